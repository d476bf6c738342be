using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>What a cached feature set depends on; any change gives a different key and a rebuild.</summary>
/// <param name="Encoder">Identity of the frozen encoder: the checkpoint's SHA-256, or e.g. "random:seed=3", "pixels:patch=8".</param>
/// <param name="Conditioning">How a still image became a clip (padding mode, frames), e.g. "edge:T=16".</param>
/// <param name="Selection">Which latents feed the head (pre-quant/quantised, latent frame/pool, levels).</param>
/// <param name="Images">Identity of the image set (split, file list and working size).</param>
public sealed record FeatureCacheKey(string Encoder, string Conditioning, string Selection, string Images)
{
    /// <summary>A short stable hash of the key, used as the cache folder name.</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join("\n", Encoder, Conditioning, Selection, Images))))[..16].ToLowerInvariant();

    /// <summary>SHA-256 of a file (a checkpoint), hex.</summary>
    public static string FileHash(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }
}

/// <summary>The manifest stored next to the cached features.</summary>
public sealed record FeatureCacheManifest(FeatureCacheKey Key, int Count, long[][] Shapes, double ImagesPerSecond, DateTime Created);

/// <summary>
/// Encoding is the expensive step and the encoder is frozen, so each image is encoded once and its features are
/// kept on disk as float16 (one file per feature level, [N, C, h, w]) with a manifest of what produced them.
/// A later head run with the same key reads them back; a changed encoder, conditioning, selection or image set
/// misses and rebuilds.
/// </summary>
public sealed class FeatureCache
{
    private readonly string _root;

    /// <summary>A cache rooted at <paramref name="root"/> (one sub-folder per key).</summary>
    public FeatureCache(string root) => _root = Path.GetFullPath(root);

    /// <summary>The folder for a key.</summary>
    public string FolderOf(FeatureCacheKey key) => Path.Combine(_root, key.Hash);

    /// <summary>True when features for exactly this key are stored.</summary>
    public bool Contains(FeatureCacheKey key)
    {
        string manifest = Path.Combine(FolderOf(key), "manifest.json");
        if (!File.Exists(manifest)) return false;
        var m = JsonSerializer.Deserialize<FeatureCacheManifest>(File.ReadAllText(manifest));
        return m is not null && m.Key == key;
    }

    /// <summary>The manifest stored for <paramref name="key"/> (count, shapes, the encoding rate when it was built), or null when absent.</summary>
    public FeatureCacheManifest? Manifest(FeatureCacheKey key) =>
        Contains(key) ? JsonSerializer.Deserialize<FeatureCacheManifest>(File.ReadAllText(Path.Combine(FolderOf(key), "manifest.json"))) : null;

    /// <summary>
    /// Returns the features for <paramref name="key"/>: from disk when present, else computed by
    /// <paramref name="extract"/> over <paramref name="count"/> images in batches and stored.
    /// </summary>
    /// <param name="key">What the features depend on.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="batch">Images [B, 3, H, W] for indices [start, start+B).</param>
    /// <param name="extract">The frozen feature extractor: images -> feature levels [B, C, h, w] each.</param>
    /// <param name="batchSize">Images per extractor call.</param>
    /// <param name="progress">Optional progress line sink.</param>
    /// <returns>One float32 CPU tensor per level, [N, C, h, w]; the caller owns them.</returns>
    public Tensor[] GetOrBuild(FeatureCacheKey key, int count, Func<int, int, Tensor> batch, Func<Tensor, Tensor[]> extract,
        int batchSize = 16, Action<string>? progress = null)
    {
        if (Contains(key)) return Load(key);
        var sw = Stopwatch.StartNew();
        List<Tensor>[]? parts = null;
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            using var scope = NewDisposeScope();
            Tensor[] feats;
            using (no_grad()) feats = extract(batch(start, n));
            parts ??= Enumerable.Range(0, feats.Length).Select(_ => new List<Tensor>()).ToList().ToArray();
            for (int l = 0; l < feats.Length; l++)
                parts[l].Add(feats[l].detach().to(CPU).to_type(ScalarType.Float16).MoveToOuterDisposeScope());
            progress?.Invoke($"features {start + n}/{count} ({(start + n) / sw.Elapsed.TotalSeconds:F1} images/s)");
        }
        if (parts is null) throw new ArgumentException("FeatureCache: no images to encode (count is 0).");
        var levels = parts.Select(p => { var t = cat(p, 0); foreach (var x in p) x.Dispose(); return t; }).ToArray();
        double rate = count / Math.Max(sw.Elapsed.TotalSeconds, 1e-9);
        Store(key, levels, rate);
        var result = levels.Select(t => t.to_type(ScalarType.Float32)).ToArray();
        foreach (var t in levels) t.Dispose();
        return result;
    }

    /// <summary>Reads the features of a stored key as float32 tensors.</summary>
    /// <exception cref="InvalidDataException">A level file is missing or has the wrong size (names the file).</exception>
    public Tensor[] Load(FeatureCacheKey key)
    {
        string dir = FolderOf(key);
        var m = JsonSerializer.Deserialize<FeatureCacheManifest>(File.ReadAllText(Path.Combine(dir, "manifest.json")))
                ?? throw new InvalidDataException($"{dir}/manifest.json is empty.");
        var result = new Tensor[m.Shapes.Length];
        for (int l = 0; l < m.Shapes.Length; l++)
        {
            string file = Path.Combine(dir, $"level{l}.f16");
            long elems = m.Shapes[l].Aggregate(1L, (a, b) => a * b);
            if (!File.Exists(file) || new FileInfo(file).Length != elems * 2)
                throw new InvalidDataException($"Feature cache file '{file}' is missing or truncated (expected {elems * 2} bytes). " +
                                               $"Delete the folder '{dir}' to rebuild it.");
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(File.ReadAllBytes(file)).ToArray();
            using var half = tensor(values, m.Shapes[l]);
            result[l] = half.to_type(ScalarType.Float32);
        }
        return result;
    }

    private void Store(FeatureCacheKey key, Tensor[] halfLevels, double rate)
    {
        string dir = FolderOf(key);
        Directory.CreateDirectory(dir);
        for (int l = 0; l < halfLevels.Length; l++)
        {
            using var c = halfLevels[l].contiguous();
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.data<Half>().ToArray().AsSpan()).ToArray();
            AtomicFile.WriteAllBytes(Path.Combine(dir, $"level{l}.f16"), bytes);
        }
        // The manifest is written last: its presence means the level files are complete.
        AtomicFile.WriteJson(Path.Combine(dir, "manifest.json"),
            new FeatureCacheManifest(key, (int)halfLevels[0].shape[0], halfLevels.Select(t => t.shape).ToArray(), rate, DateTime.UtcNow));
    }
}
