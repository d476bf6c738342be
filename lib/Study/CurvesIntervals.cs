using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;

namespace MagvitSeg.Study;

/// <summary>One row of curves.csv: one run.</summary>
public sealed record CurvesRow(string Arm, string Probe, int TrainImages, int Seed, int Steps, double AP, double MIoU, double TrainSeconds);

/// <summary>An arm's seed-averaged metric at one probe and budget with its 95% bootstrap interval (the band of a curve).</summary>
public sealed record CurvesLevel(string Arm, string Probe, int TrainImages, string Metric, double Mean, double Low, double High, int Seeds);

/// <summary>One row of differences.csv: the paired difference reference - other, seed-averaged, with its 95% interval.</summary>
public sealed record CurvesDifference(string Pair, string Probe, int TrainImages, string Metric, double Mean, double Low, double High, int Seeds, int Resamples);

/// <summary>Everything curves.json holds besides the config.</summary>
public sealed record CurvesResult(List<CurvesRow> Rows, List<CurvesLevel> Levels, List<CurvesDifference> Differences);

/// <summary>A run's metrics on the full evaluation set and every resample (bootstrap.json in its folder).</summary>
/// <param name="Key">The run's key and the resamples' identity.</param>
/// <param name="MIoU">Semantic mIoU (%).</param>
/// <param name="AP">Mask AP (%); null for the semantic probes.</param>
public sealed record ResampledRun(string Key, ResampledMetric MIoU, ResampledMetric? AP);

/// <summary>
/// The intervals of the curves: every run's metric on the full evaluation set and on the same bootstrap resamples of its
/// images (mIoU re-summed from per-image counts; AP re-accumulated by <see cref="CocoResampledAp"/>), then per arm the
/// seed-averaged level and per pair the seed-averaged paired difference (<see cref="PairedBootstrap"/>).
/// </summary>
public sealed class CurvesIntervals(CocoImageSet val, int resamples, ulong seed, Action<string>? log = null)
{
    /// <summary>Metric names.</summary>
    public const string AP = "AP", MIoU = "mIoU";

    /// <summary>
    /// Levels and differences of <paramref name="runFolders"/> (each with the folder holding its counts.json), pairs taken as
    /// <paramref name="reference"/> - each other arm.
    /// </summary>
    public CurvesResult Compute(IReadOnlyList<(CurvesRunRecord Run, string Folder)> runFolders, string reference)
    {
        var runs = runFolders.Select(r => r.Run).ToList();
        var draws = BootstrapResamples.Draw(val.Count, resamples, seed);
        var metrics = new Dictionary<(string Arm, string Probe, int N, int Seed, string Metric), ResampledMetric>();
        string drawsId = DrawsId(draws);
        int i = 0;
        foreach (var (r, dir) in runFolders)
        {
            // A run's resampled metrics depend only on its outputs (their hashes) and the draws: cached in its folder,
            // so a rerun that adds arms or seeds re-accumulates only the new runs.
            string cacheFile = Path.Combine(dir, "bootstrap.json");
            string key = string.Join("|", r.Key, "draws:" + drawsId, "counts:" + FeatureCacheKey.FileHash(Path.Combine(dir, "counts.json")),
                "predictions:" + (r.Predictions is { } pr ? FeatureCacheKey.FileHash(pr) : "none"));
            var cached = File.Exists(cacheFile) ? TryRead(cacheFile) : null;
            bool reused = cached is not null && cached.Key == key && (cached.AP is not null) == (r.Predictions is not null);
            if (!reused)
            {
                cached = Resample(r, dir, draws, key);
                AtomicFile.WriteJson(cacheFile, cached);
            }
            metrics[(r.Arm, r.Probe, r.TrainImages, r.Seed, MIoU)] = cached!.MIoU;
            if (cached.AP is { } ap) metrics[(r.Arm, r.Probe, r.TrainImages, r.Seed, AP)] = ap;
            log?.Invoke($"intervals {++i}/{runs.Count}: ({r.Arm}) {r.Probe} n={r.TrainImages} seed {r.Seed} on {resamples} resamples" + (reused ? " (reused)" : ""));
        }
        var rows = runs.Select(r => new CurvesRow(r.Arm, r.Probe, r.TrainImages, r.Seed, r.Steps, r.AP, r.MIoU, r.TrainSeconds)).ToList();
        var levels = metrics.GroupBy(kv => (kv.Key.Arm, kv.Key.Probe, kv.Key.N, kv.Key.Metric))
            .Select(g =>
            {
                var b = PairedBootstrap.Level(g.OrderBy(kv => kv.Key.Seed).Select(kv => kv.Value).ToList());
                return new CurvesLevel(g.Key.Arm, g.Key.Probe, g.Key.N, g.Key.Metric, b.Mean, b.Low, b.High, b.Seeds);
            }).ToList();
        var arms = runs.Select(r => r.Arm).Distinct().Where(a => a != reference).ToList();
        var differences = new List<CurvesDifference>();
        foreach (var (probe, n, metric) in metrics.Keys.Select(k => (k.Probe, k.N, k.Metric)).Distinct())
            foreach (var other in arms)
            {
                var pairs = metrics.Keys.Where(k => k.Arm == reference && k.Probe == probe && k.N == n && k.Metric == metric)
                    .Select(k => k.Seed).Order()
                    .Where(s => metrics.ContainsKey((other, probe, n, s, metric)))
                    .Select(s => (metrics[(reference, probe, n, s, metric)], metrics[(other, probe, n, s, metric)])).ToList();
                if (pairs.Count == 0) continue;
                var d = PairedBootstrap.Difference(pairs);
                differences.Add(new CurvesDifference($"{reference}-{other}", probe, n, metric, d.Mean, d.Low, d.High, d.Seeds, d.Resamples));
            }
        return new CurvesResult(rows, levels, differences);
    }

    private ResampledRun Resample(CurvesRunRecord r, string dir, int[][] draws, string key)
    {
        var counts = JsonSerializer.Deserialize<IouCounts>(File.ReadAllText(Path.Combine(dir, "counts.json")), AtomicFile.Json)
                     ?? throw new InvalidDataException($"'{Path.Combine(dir, "counts.json")}' is empty; delete the run folder to redo it.");
        if (counts.Images != val.Count)
            throw new InvalidDataException($"'{Path.Combine(dir, "counts.json")}' counts {counts.Images} images, the evaluation split has {val.Count}; delete the run folder to redo it.");
        var miou = ResampledMetric.Of(idx => 100 * counts.MIoU(idx), val.Count, draws);
        ResampledMetric? ap = null;
        if (r.Predictions is { } p)
        {
            var resampled = new CocoResampledAp(new CocoEvaluator(val.LoadedGt, CocoJson.ReadResults(p, val.LoadedGt), IouType.Segm));
            ap = ResampledMetric.Of(idx => Percent(resampled.AP(idx)), val.Count, draws);
        }
        return new ResampledRun(key, miou, ap);
    }

    // A damaged or older cache file is recomputed, not an error.
    private static ResampledRun? TryRead(string file)
    {
        try { return JsonSerializer.Deserialize<ResampledRun>(File.ReadAllText(file), AtomicFile.Json); }
        catch (JsonException) { return null; }
    }

    // Names the resamples by their content, so a change of their count, seed, split size or drawing rule invalidates caches.
    private static string DrawsId(int[][] draws)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var d in draws) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(d.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    private static double Percent(double cocoValue) => cocoValue < 0 ? double.NaN : 100 * cocoValue;
}
