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

    /// <summary>Environment variable naming the checkout to use (the CLI's <c>--repo</c> sets it).</summary>
    public const string RepoEnv = "MAGVITSEG_REPO";

    /// <summary>
    /// The repository root: $MAGVITSEG_REPO when set, else the nearest folder holding MagvitSeg.slnx above
    /// <paramref name="start"/>, this build's folder or the current directory.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No checkout there.</exception>
    public static string RepoRoot(string? start = null) =>
        TryRepoRoot(start) ?? throw new DirectoryNotFoundException(
            "Could not find the MagvitSeg checkout (a folder holding MagvitSeg.slnx) above " +
            $"'{start ?? AppContext.BaseDirectory}' or the current directory. Run from inside the repository, or name it with " +
            $"--repo DIR or ${RepoEnv}.");

    /// <summary>As <see cref="RepoRoot"/>, null when there is no checkout (an installed copy run outside one).</summary>
    /// <exception cref="DirectoryNotFoundException">$MAGVITSEG_REPO names a folder that is not a checkout.</exception>
    public static string? TryRepoRoot(string? start = null)
    {
        string? env = Environment.GetEnvironmentVariable(RepoEnv);
        if (!string.IsNullOrWhiteSpace(env))
        {
            string root = Path.GetFullPath(env);
            return File.Exists(Path.Combine(root, "MagvitSeg.slnx")) ? root
                : throw new DirectoryNotFoundException($"${RepoEnv} '{env}' is not a MagvitSeg checkout (no MagvitSeg.slnx there).");
        }
        foreach (var origin in new[] { start, AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            if (origin is null) continue;
            for (var d = new DirectoryInfo(Path.GetFullPath(origin)); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "MagvitSeg.slnx"))) return d.FullName;
        }
        return null;
    }

    /// <summary>
    /// The data manifests: the checkout's <c>data-manifests/</c>, else the copy the CLI's build places next to it
    /// (so an installed <c>magvitseg</c> verifies datasets from any folder).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither exists.</exception>
    public static string DataManifests()
    {
        if (TryRepoRoot() is { } root) return Path.Combine(root, "data-manifests");
        string beside = Path.Combine(AppContext.BaseDirectory, "data-manifests");
        return Directory.Exists(beside) ? beside : throw new DirectoryNotFoundException(
            $"No data-manifests/ folder: not in a MagvitSeg checkout and none beside {AppContext.BaseDirectory}. Name a checkout with --repo DIR or ${RepoEnv}.");
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

    /// <summary>The results folder: $MAGVITSEG_RESULTS, else <c>results/</c> of the checkout, else of the current directory.</summary>
    public static string ResultsRoot()
    {
        string? env = Environment.GetEnvironmentVariable(ResultsEnv);
        return !string.IsNullOrWhiteSpace(env) ? Path.GetFullPath(env) : Path.Combine(TryRepoRoot() ?? Directory.GetCurrentDirectory(), "results");
    }

    /// <summary>A path under the results folder (<see cref="ResultsRoot"/>).</summary>
    public static string Results(params string[] parts) =>
        Path.Combine(new[] { ResultsRoot() }.Concat(parts).ToArray());
}
