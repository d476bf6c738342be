namespace MagvitSeg.Runtime;

/// <summary>
/// Finds the checkout and the sample data beside it (<c>../shared</c>), from wherever the code runs:
/// a test's bin folder, the CLI, or a notebook kernel.
/// </summary>
public static class RepoPaths
{
    /// <summary>Environment variable that overrides where the shared folder is.</summary>
    public const string SharedEnv = "MAGVITSEG_SHARED";

    /// <summary>Environment variable that names the sample data folder itself (overrides <c>$MAGVITSEG_SHARED/data</c>).</summary>
    public const string DataEnv = "MAGVITSEG_DATA";

    /// <summary>Environment variable that overrides where results go (tests run notebooks into a temporary folder).</summary>
    public const string ResultsEnv = "MAGVITSEG_RESULTS";

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding MagvitSeg.slnx.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder above the start.</exception>
    public static string RepoRoot(string? start = null)
    {
        foreach (var origin in new[] { start, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            if (origin is null) continue;
            for (var d = new DirectoryInfo(Path.GetFullPath(origin)); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "MagvitSeg.slnx"))) return d.FullName;
        }
        throw new DirectoryNotFoundException(
            "Could not find the MagvitSeg checkout (a folder holding MagvitSeg.slnx) above " +
            $"'{start ?? AppContext.BaseDirectory}' or the current directory. Run from inside the repository.");
    }

    /// <summary>The shared folder: $MAGVITSEG_SHARED, else <c>../shared</c> beside the repository root.</summary>
    public static string SharedRoot()
    {
        string? env = Environment.GetEnvironmentVariable(SharedEnv);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        return Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared"));
    }

    /// <summary>The sample data folder: $MAGVITSEG_DATA, else <c>data</c> in the shared folder (<c>../shared/data</c>).</summary>
    public static string SampleDataRoot()
    {
        string? env = Environment.GetEnvironmentVariable(DataEnv);
        return !string.IsNullOrWhiteSpace(env) ? Path.GetFullPath(env) : Path.Combine(SharedRoot(), "data");
    }

    /// <summary>A path under the sample data folder (<see cref="SampleDataRoot"/>).</summary>
    public static string SharedData(params string[] parts) =>
        Path.Combine(new[] { SampleDataRoot() }.Concat(parts).ToArray());

    /// <summary>
    /// Real COCO images for figures and checks: the sample data's coco-tiny (80 + 80 images) when it is there, else the ten
    /// images the checkout carries as test fixtures (<c>tests/fixtures/coco-mini</c>); both in the official COCO layout.
    /// </summary>
    public static string CocoSample()
    {
        string tiny = SharedData("coco-tiny");
        return File.Exists(Path.Combine(tiny, "annotations", "instances_val2017.json"))
            ? tiny
            : Path.Combine(RepoRoot(), "tests", "fixtures", "coco-mini");
    }

    /// <summary>The results folder: $MAGVITSEG_RESULTS, else <c>results/</c> of the checkout.</summary>
    public static string ResultsRoot()
    {
        string? env = Environment.GetEnvironmentVariable(ResultsEnv);
        return !string.IsNullOrWhiteSpace(env) ? Path.GetFullPath(env) : Path.Combine(RepoRoot(), "results");
    }

    /// <summary>A path under the results folder (<see cref="ResultsRoot"/>).</summary>
    public static string Results(params string[] parts) =>
        Path.Combine(new[] { ResultsRoot() }.Concat(parts).ToArray());
}
