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
        int i = 0;
        foreach (var (r, dir) in runFolders)
        {
            var counts = JsonSerializer.Deserialize<IouCounts>(File.ReadAllText(Path.Combine(dir, "counts.json")), AtomicFile.Json)
                         ?? throw new InvalidDataException($"'{Path.Combine(dir, "counts.json")}' is empty; delete the run folder to redo it.");
            if (counts.Images != val.Count)
                throw new InvalidDataException($"'{Path.Combine(dir, "counts.json")}' counts {counts.Images} images, the evaluation split has {val.Count}; delete the run folder to redo it.");
            metrics[(r.Arm, r.Probe, r.TrainImages, r.Seed, MIoU)] = ResampledMetric.Of(idx => 100 * counts.MIoU(idx), val.Count, draws);
            if (r.Predictions is { } p)
            {
                var ap = new CocoResampledAp(new CocoEvaluator(val.LoadedGt, CocoJson.ReadResults(p, val.LoadedGt), IouType.Segm));
                metrics[(r.Arm, r.Probe, r.TrainImages, r.Seed, AP)] = ResampledMetric.Of(idx => Percent(ap.AP(idx)), val.Count, draws);
            }
            log?.Invoke($"intervals {++i}/{runs.Count}: ({r.Arm}) {r.Probe} n={r.TrainImages} seed {r.Seed} on {resamples} resamples");
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

    private static double Percent(double cocoValue) => cocoValue < 0 ? double.NaN : 100 * cocoValue;
}
