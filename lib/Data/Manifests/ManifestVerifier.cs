using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using MagvitSeg.Data.Images;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data.Video;

namespace MagvitSeg.Data.Manifests;

/// <summary>Outcome of <see cref="ManifestVerifier.Verify"/>: what was checked, and every problem, each naming its file.</summary>
public sealed record VerificationReport(string Dataset, string Root, IReadOnlyList<string> Problems, IReadOnlyList<string> Checked)
{
    /// <summary>No problems.</summary>
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Checks a dataset on disk against its manifest: files present, counts as published, every image and video readable.
/// The shallow check reads headers (SkiaSharp for JPEG/PNG, ffprobe packet counts for video); <c>deep</c> decodes every
/// image and every video frame, which also finds files truncated after an intact header. It reports all problems, not
/// the first, so the COCO files are read leniently here (JsonDocument) rather than through CocoJson, which stops at the
/// first inconsistency.
/// </summary>
public static class ManifestVerifier
{
    /// <param name="manifest">What the dataset should hold.</param>
    /// <param name="root">Dataset folder (null: the manifest's default root).</param>
    /// <param name="deep">Decode every image and video fully.</param>
    public static VerificationReport Verify(DatasetManifest manifest, string? root = null, bool deep = false)
    {
        string dir = manifest.Kind == "synthetic" && root is null ? "(generated, no files)" : manifest.ResolveRoot(root);
        var problems = new ConcurrentBag<string>();
        var checkedItems = new List<string>();
        if (manifest.Kind != "synthetic" && !Directory.Exists(dir))
            return new VerificationReport(manifest.Name, dir, new[] { $"{dir}: dataset root not found. Pass --root DIR (see the manifest's description)." }, checkedItems);
        foreach (var split in manifest.CocoSplits) checkedItems.Add(VerifyCoco(dir, split, problems, deep));
        foreach (var ann in manifest.AnnotationFiles) checkedItems.Add(VerifyAnnotationFile(dir, ann, problems));
        foreach (var set in manifest.VideoSets) checkedItems.Add(VerifyVideoSet(dir, set, problems, deep));
        if (manifest.Kind == "synthetic") checkedItems.Add(VerifyGenerator(manifest, problems));
        if (manifest.Files.Count > 0) checkedItems.Add(VerifyFiles(dir, manifest.Files, problems));
        return new VerificationReport(manifest.Name, dir, problems.OrderBy(p => p, StringComparer.Ordinal).ToList(), checkedItems);
    }

    private static string VerifyCoco(string root, CocoSplitEntry split, ConcurrentBag<string> problems, bool deep)
    {
        string annPath = Path.Combine(root, split.Annotations), imageDir = Path.Combine(root, split.Images);
        if (!File.Exists(annPath))
        {
            problems.Add($"{annPath}: annotation file missing (split '{split.Name}').");
            return $"{split.Name}: annotations missing";
        }
        if (!Directory.Exists(imageDir)) problems.Add($"{imageDir}: image folder missing (split '{split.Name}').");
        JsonDocument doc;
        try
        {
            using var stream = File.OpenRead(annPath);
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            problems.Add($"{annPath}: not valid JSON ({e.Message}).");
            return $"{split.Name}: annotations unreadable";
        }
        using (doc)
        {
            var top = doc.RootElement;
            JsonElement[] Array(string prop)
            {
                if (top.ValueKind == JsonValueKind.Object && top.TryGetProperty(prop, out var a) && a.ValueKind == JsonValueKind.Array) return a.EnumerateArray().ToArray();
                problems.Add($"{annPath}: no '{prop}' array.");
                return System.Array.Empty<JsonElement>();
            }
            var images = Array("images");
            var anns = Array("annotations");
            var cats = Array("categories");
            Expect(annPath, "images", split.ImageCount, images.Length, problems);
            Expect(annPath, "annotations (instances)", split.InstanceCount, anns.Length, problems);
            Expect(annPath, "categories", split.CategoryCount, cats.Length, problems);
            var byId = new Dictionary<long, (string File, int W, int H)>();
            foreach (var img in images)
            {
                if (!img.TryGetProperty("id", out var id) || !img.TryGetProperty("file_name", out var fn) || fn.GetString() is not { } file)
                {
                    problems.Add($"{annPath}: an image record lacks id or file_name.");
                    continue;
                }
                byId[id.GetInt64()] = (file, Int(img, "width"), Int(img, "height"));
            }
            int crowd = 0;
            foreach (var a in anns)
            {
                if (Int(a, "iscrowd") == 1) crowd++;
                long imageId = a.TryGetProperty("image_id", out var ie) ? ie.GetInt64() : -1;
                if (!byId.ContainsKey(imageId))
                    problems.Add($"{annPath}: annotation {(a.TryGetProperty("id", out var aid) ? aid.ToString() : "?")} points at image_id {imageId}, which is not in 'images'.");
            }
            Expect(annPath, "crowd annotations", split.CrowdCount, crowd, problems);
            if (Directory.Exists(imageDir))
                Parallel.ForEach(byId.Values, img =>
                {
                    string path = Path.Combine(imageDir, img.File);
                    if (!File.Exists(path)) { problems.Add($"{path}: image listed in {Path.GetFileName(annPath)} is missing."); return; }
                    try
                    {
                        var (w, h) = deep ? Size(ImageIo.Decode(path)) : ImageIo.ReadSize(path);
                        if (!deep && ImageEnd.Missing(path) is { } cut) problems.Add(cut);
                        if (img.W > 0 && (w != img.W || h != img.H)) problems.Add($"{path}: is {w}x{h} but {Path.GetFileName(annPath)} says {img.W}x{img.H}.");
                    }
                    catch (InvalidDataException e) { problems.Add(e.Message); }
                });
            return $"{split.Name}: {images.Length} images, {anns.Length} instances, {cats.Length} categories, {crowd} crowd{(deep ? ", every image decoded" : "")}";
        }
    }

    private static string VerifyFiles(string root, IReadOnlyList<ManifestFile> files, ConcurrentBag<string> problems)
    {
        Parallel.ForEach(files, f =>
        {
            string path = Path.Combine(root, f.Path);
            if (!File.Exists(path)) { problems.Add($"{path}: missing (listed with its size in the manifest)."); return; }
            long size = new FileInfo(path).Length;
            if (size != f.Size) { problems.Add($"{path}: {size} bytes, manifest says {f.Size} (truncated or replaced; fetch the file again)."); return; }
            string sha = Runtime.FileChecksum.Sha256(path);
            if (!string.Equals(sha, f.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{path}: SHA-256 {sha[..16]}..., manifest says {f.Sha256[..Math.Min(16, f.Sha256.Length)]}... (changed; fetch the file again).");
        });
        return $"files: {files.Count} with sizes and SHA-256";
    }

    private static (int, int) Size((byte[] Rgba, int Width, int Height) d) => (d.Width, d.Height);

    private static int Int(JsonElement e, string prop) => e.TryGetProperty(prop, out var v) && v.TryGetInt32(out int i) ? i : 0;

    private static string VerifyAnnotationFile(string root, AnnotationFileEntry ann, ConcurrentBag<string> problems)
    {
        string path = Path.Combine(root, ann.Path);
        if (!File.Exists(path)) { problems.Add($"{path}: annotation file missing."); return $"{ann.Path}: missing"; }
        int rows;
        try
        {
            switch (ann.Format)
            {
                case "csv":
                    rows = File.ReadLines(path).Count(l => l.Length > 0) - 1; // minus the header line
                    break;
                case "json-array":
                case "json-object":
                {
                    using var s = File.OpenRead(path);
                    using var doc = JsonDocument.Parse(s);
                    rows = ann.Format == "json-array" ? doc.RootElement.GetArrayLength() : doc.RootElement.EnumerateObject().Count();
                    break;
                }
                default:
                    problems.Add($"{path}: manifest format '{ann.Format}' is unknown (csv, json-array, json-object).");
                    return $"{ann.Path}: unknown format";
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            problems.Add($"{path}: unreadable {ann.Format} ({e.Message}).");
            return $"{ann.Path}: unreadable";
        }
        Expect(path, "rows", ann.Rows, rows, problems);
        return $"{ann.Path}: {rows} rows";
    }

    private static string VerifyVideoSet(string root, VideoSetEntry set, ConcurrentBag<string> problems, bool deep)
    {
        string dir = Path.GetFullPath(Path.Combine(root, set.Directory));
        if (!Directory.Exists(dir)) { problems.Add($"{dir}: video folder missing (set '{set.Name}')."); return $"{set.Name}: missing"; }
        var exts = set.Extensions.Select(e => e.ToLowerInvariant()).ToHashSet();
        var files = Directory.EnumerateFiles(dir).Where(f => exts.Contains(Path.GetExtension(f).ToLowerInvariant())).OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (set.Count is int expected)
        {
            int needed = (int)Math.Ceiling(expected * set.MinPresentFraction);
            if (files.Count < needed)
                problems.Add($"{dir}: {files.Count} video(s) found, expected {expected}" +
                             (set.MinPresentFraction < 1 ? string.Create(CultureInfo.InvariantCulture, $" (at least {needed} = {set.MinPresentFraction:P0}, allowing for removed videos).") : "."));
            else if (set.MinPresentFraction >= 1 && files.Count > expected)
                problems.Add($"{dir}: {files.Count} video(s) found, expected exactly {expected}.");
        }
        var known = (set.Files ?? System.Array.Empty<VideoFileEntry>()).ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var f in known.Keys)
            if (!File.Exists(Path.Combine(dir, f))) problems.Add($"{Path.Combine(dir, f)}: video missing.");
        if (files.Count > 0 && !Ffmpeg.IsAvailable())
        {
            problems.Add($"ffprobe/ffmpeg not found: video files cannot be checked. {Ffmpeg.InstallHint}");
            return $"{set.Name}: {files.Count} video(s), unchecked";
        }
        Parallel.ForEach(files, f =>
        {
            try
            {
                var p = Ffmpeg.Probe(f);
                if (p.Packets <= 0) { problems.Add($"{f}: video stream holds no frames."); return; }
                if (known.TryGetValue(Path.GetFileName(f), out var e))
                {
                    // Probe counts packets (cheap, no decoding); decoded frames are compared by --deep.
                    if ((e.Width ?? p.Width) != p.Width || (e.Height ?? p.Height) != p.Height)
                        problems.Add($"{f}: is {p.Width}x{p.Height}, manifest says {e.Width}x{e.Height}.");
                    if ((e.Packets ?? p.Packets) != p.Packets) problems.Add($"{f}: has {p.Packets} packets, manifest says {e.Packets}.");
                }
                if (deep)
                {
                    // Every frame decoded (at 16x16, to bound memory): ffmpeg errors name corrupt or truncated streams, and
                    // files the manifest lists must decode to exactly their frame count.
                    var d = Ffmpeg.Decode(f, 16, 16);
                    if (e is { Frames: int frames } && d.Frames != frames) problems.Add($"{f}: {d.Frames} frames decode, manifest says {frames}.");
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException) { problems.Add(ex.Message); }
        });
        return $"{set.Name}: {files.Count} video(s) in {dir}{(deep ? ", every frame decoded" : "")}";
    }

    private static string VerifyGenerator(DatasetManifest manifest, ConcurrentBag<string> problems)
    {
        try
        {
            var config = GeneratorConfig(manifest);
            var g = manifest.Generator!.Value;
            if (g.TryGetProperty("categories", out var cats) && !cats.EnumerateArray().Select(c => c.GetString()).SequenceEqual(MovingShapes.Categories))
                problems.Add($"{manifest.Name}: categories differ from the generator's ({string.Join(", ", MovingShapes.Categories)}).");
            // The manifest documents the defaults training uses: a value that differs from the code is a stale manifest.
            var code = new MovingShapesConfig();
            if ((config.MinObjects, config.MaxObjects, config.Radius, config.Pan) != (code.MinObjects, code.MaxObjects, code.Radius, code.Pan))
                problems.Add($"{manifest.Name}: objects {config.MinObjects}-{config.MaxObjects}, radius {config.Radius}, pan {config.Pan} differ from the " +
                             $"generator's defaults ({code.MinObjects}-{code.MaxObjects}, {code.Radius}, {code.Pan}).");
            var clip = new MovingShapes(config).Render(0);
            return $"generator: {config.Frames}x{config.Size}x{config.Size}, clip 0 has {clip.ObjectCategories.Length} object(s)";
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            problems.Add($"{manifest.Name}: generator parameters invalid ({e.Message}).");
            return "generator: invalid";
        }
    }

    /// <summary>The MovingShapes configuration a synthetic manifest's "generator" block describes (absent fields: the code's defaults).</summary>
    public static MovingShapesConfig GeneratorConfig(DatasetManifest manifest)
    {
        if (manifest.Generator is not { } g) throw new InvalidDataException($"{manifest.Name}: no 'generator' block.");
        var d = new MovingShapesConfig();
        int I(string k, int v) => g.TryGetProperty(k, out var e) ? e.GetInt32() : v;
        double D(string k, double v) => g.TryGetProperty(k, out var e) ? e.GetDouble() : v;
        return d with
        {
            Size = I("size", d.Size),
            Frames = I("frames", d.Frames),
            MinObjects = I("minObjects", d.MinObjects),
            MaxObjects = I("maxObjects", d.MaxObjects),
            Radius = (D("minRadius", d.Radius.Min), D("maxRadius", d.Radius.Max)),
            Pan = g.TryGetProperty("pan", out var p) ? p.GetBoolean() : d.Pan,
            Seed = g.TryGetProperty("seed", out var s) ? s.GetInt64() : d.Seed,
        };
    }

    private static void Expect(string file, string what, int? expected, int actual, ConcurrentBag<string> problems)
    {
        if (expected is int e && e != actual) problems.Add($"{file}: {actual} {what}, expected {e}.");
    }
}
