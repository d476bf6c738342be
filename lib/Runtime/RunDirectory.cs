namespace MagvitSeg.Runtime;

/// <summary>
/// A run's output folder. Refuses to overwrite a finished run silently: an existing non-empty folder needs
/// <c>resume</c> (continue in it) or <c>force</c> (empty it first). Writes the run's full config next to its outputs.
/// </summary>
public sealed class RunDirectory
{
    /// <summary>The folder's absolute path.</summary>
    public string Root { get; }

    private RunDirectory(string root) => Root = root;

    /// <summary>Opens (creating it if needed) a run folder.</summary>
    /// <exception cref="IOException">The folder holds files and neither resume nor force was given.</exception>
    public static RunDirectory Open(string path, bool resume = false, bool force = false)
    {
        string root = Path.GetFullPath(path);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (force && !resume)
                Directory.Delete(root, recursive: true);
            else if (!resume)
                throw new IOException(
                    $"Output folder '{root}' already holds a run. Pass --resume to continue it, --force to replace it, " +
                    "or choose another --out.");
        }
        Directory.CreateDirectory(root);
        return new RunDirectory(root);
    }

    /// <summary>A path inside the run folder; its parent folder is created.</summary>
    public string PathOf(params string[] parts)
    {
        string p = Path.Combine(new[] { Root }.Concat(parts).ToArray());
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        return p;
    }

    /// <summary>Writes <c>config.json</c> (atomically) with everything that defines the run.</summary>
    public void WriteConfig<T>(T config) => AtomicFile.WriteJson(PathOf("config.json"), config);
}
