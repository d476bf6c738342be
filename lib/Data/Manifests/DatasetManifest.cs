using System.Text.Json;
using System.Text.Json.Serialization;
using MagvitSeg.Runtime;

namespace MagvitSeg.Data.Manifests;

/// <summary>An official download archive of a dataset (documentation for the user; verify checks the unpacked files).</summary>
public sealed record ManifestArchive(string File, string? Url, string? Md5, string? Contents);

/// <summary>One COCO split: its instances file, image folder and exact counts (null: not checked).</summary>
public sealed record CocoSplitEntry(string Name, string Annotations, string Images, int? ImageCount, int? InstanceCount, int? CategoryCount, int? CrowdCount);

/// <summary>A known video file with its expected stream facts: frames that decode, and stored packets (they can differ).</summary>
public sealed record VideoFileEntry(string Name, int? Width, int? Height, int? Frames, int? Packets = null);

/// <summary>A folder of videos: expected count, the fraction that must be present, and optionally each file.</summary>
public sealed record VideoSetEntry(string Name, string Directory, IReadOnlyList<string> Extensions, int? Count, double MinPresentFraction = 1.0,
                                   IReadOnlyList<VideoFileEntry>? Files = null);

/// <summary>An annotation list (csv rows, or entries of a json array/object).</summary>
public sealed record AnnotationFileEntry(string Path, string Format, int? Rows, string? Header = null, string? Fields = null);

/// <summary>One file of a small dataset with its exact size and SHA-256 (path relative to the dataset root).</summary>
public sealed record ManifestFile(string Path, long Size, string Sha256);

/// <summary>
/// A dataset described by file names and counts, so a user with the data can point the workbench at it and
/// check it (<see cref="ManifestVerifier"/>). Loaded from <c>data-manifests/NAME.json</c>.
/// </summary>
public sealed record DatasetManifest
{
    /// <summary>The manifest name (data-manifests/NAME.json).</summary>
    public required string Name { get; init; }
    /// <summary>coco, videos or synthetic.</summary>
    public required string Kind { get; init; }
    public string? Description { get; init; }
    /// <summary>Root relative to the repository root (e.g. ../shared/data/coco-tiny); null when the user must give one.</summary>
    public string? DefaultRoot { get; init; }
    /// <summary>Where the data comes from.</summary>
    public string? Source { get; init; }
    /// <summary>Its licence terms.</summary>
    public string? License { get; init; }
    /// <summary>Official download archives.</summary>
    public IReadOnlyList<ManifestArchive> Archives { get; init; } = Array.Empty<ManifestArchive>();
    /// <summary>COCO-format splits.</summary>
    public IReadOnlyList<CocoSplitEntry> CocoSplits { get; init; } = Array.Empty<CocoSplitEntry>();
    /// <summary>Folders of videos.</summary>
    public IReadOnlyList<VideoSetEntry> VideoSets { get; init; } = Array.Empty<VideoSetEntry>();
    /// <summary>Label lists (csv, json).</summary>
    public IReadOnlyList<AnnotationFileEntry> AnnotationFiles { get; init; } = Array.Empty<AnnotationFileEntry>();
    /// <summary>Every file with its size and SHA-256 (small sets only): sizes catch truncation, hashes any change.</summary>
    public IReadOnlyList<ManifestFile> Files { get; init; } = Array.Empty<ManifestFile>();
    /// <summary>Generator parameters (synthetic datasets).</summary>
    public JsonElement? Generator { get; init; }
    /// <summary>Free-text facts about the counts and files.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The folder holding the manifests: <c>data-manifests/</c> at the repository root (see <see cref="RepoPaths.DataManifests"/>).</summary>
    public static string Directory => RepoPaths.DataManifests();

    /// <summary>Names of all manifests shipped with the repository.</summary>
    public static IReadOnlyList<string> Available() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).OrderBy(n => n, StringComparer.Ordinal).ToList();

    /// <summary>Loads <c>data-manifests/{name}.json</c>.</summary>
    /// <exception cref="FileNotFoundException">No such manifest (lists the known ones).</exception>
    public static DatasetManifest Load(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException($"No data manifest '{name}' ({path}). Known: {string.Join(", ", Available())}.", path);
        return LoadFile(path);
    }

    /// <summary>Loads a manifest file; unknown fields are errors, so a typo never silently drops a check.</summary>
    /// <exception cref="InvalidDataException">Malformed manifest (names the file and the problem).</exception>
    public static DatasetManifest LoadFile(string path)
    {
        try
        {
            var m = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllBytes(path), Options)
                    ?? throw new InvalidDataException($"{path}: empty manifest.");
            if (m.Kind is not ("coco" or "videos" or "synthetic"))
                throw new InvalidDataException($"{path}: kind '{m.Kind}' is unknown; use coco, videos or synthetic.");
            return m;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid manifest JSON ({e.Message}).", e);
        }
    }

    /// <summary>The dataset root: <paramref name="root"/> if given, else the default root resolved against the repository root
    /// (a default under <c>../shared/data/</c> follows <see cref="RepoPaths.SampleDataRoot"/>, so $MAGVITSEG_DATA moves it).</summary>
    /// <exception cref="ArgumentException">No root given and the manifest has no default.</exception>
    /// <exception cref="DirectoryNotFoundException">The default root lies beside a checkout and there is none.</exception>
    public string ResolveRoot(string? root)
    {
        if (!string.IsNullOrWhiteSpace(root)) return Path.GetFullPath(root);
        if (DefaultRoot is null)
            throw new ArgumentException($"Dataset '{Name}' has no default location: pass --root DIR (the folder holding the unpacked dataset).");
        const string sampleData = "../shared/data/";
        if (DefaultRoot.StartsWith(sampleData, StringComparison.Ordinal) && Environment.GetEnvironmentVariable(RepoPaths.DataEnv) is { Length: > 0 })
            return Path.GetFullPath(RepoPaths.SharedData(DefaultRoot[sampleData.Length..]));
        string repo = RepoPaths.TryRepoRoot() ?? throw new DirectoryNotFoundException(
            $"Dataset '{Name}' lives at {DefaultRoot} beside a MagvitSeg checkout, and none was found: pass --root DIR, or name the checkout with --repo DIR or ${RepoPaths.RepoEnv}.");
        return DefaultRoot.StartsWith(sampleData, StringComparison.Ordinal)
            ? Path.GetFullPath(RepoPaths.SharedData(DefaultRoot[sampleData.Length..]))
            : Path.GetFullPath(Path.Combine(repo, DefaultRoot));
    }
}
