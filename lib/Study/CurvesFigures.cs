using System.Globalization;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;

namespace MagvitSeg.Study;

/// <summary>
/// The curves' figures (PNG + interactive HTML): <c>curves-&lt;probe&gt;-&lt;metric&gt;</c>, the metric against labelled images on a
/// log axis with one line per arm and its 95% bootstrap band, one figure (panel) per probe and metric; and
/// <c>forest-&lt;probe&gt;-&lt;metric&gt;</c>, the paired differences (a) - other with their 95% intervals per budget and a zero line.
/// </summary>
public static class CurvesFigures
{
    /// <summary>The curve of every arm for one probe and metric.</summary>
    public static PlotlyFigure Curves(IReadOnlyList<CurvesLevel> levels, string probe, string metric)
    {
        var series = levels.Where(l => l.Probe == probe && l.Metric == metric).GroupBy(l => l.Arm).Select(g =>
        {
            var pts = g.OrderBy(l => l.TrainImages).ToArray();
            return (Trace)new LineTrace($"({g.Key})", pts.Select(p => (double)p.TrainImages).ToArray(), pts.Select(p => p.Mean).ToArray(), Markers: true,
                Low: pts.Select(p => p.Low).ToArray(), High: pts.Select(p => p.High).ToArray());
        }).ToList();
        return new PlotlyFigure(series, new FigureLayout($"{probe} probe: {metric} vs labelled images (mean over seeds, 95% bootstrap band)",
            "labelled training images (log scale)", metric + " (%)", LogX: true));
    }

    /// <summary>The paired differences for one probe and metric: one series of intervals per pair, offset slightly along x so they do not overlap.</summary>
    public static PlotlyFigure Forest(IReadOnlyList<CurvesDifference> differences, string probe, string metric)
    {
        var rows = differences.Where(d => d.Probe == probe && d.Metric == metric).ToList();
        var pairs = rows.Select(d => d.Pair).Distinct().ToList();
        var traces = new List<Trace>();
        for (int j = 0; j < pairs.Count; j++)
        {
            var pts = rows.Where(d => d.Pair == pairs[j]).OrderBy(d => d.TrainImages).ToArray();
            double shift = Math.Pow(1.06, j - (pairs.Count - 1) / 2.0);
            traces.Add(new LineTrace(pairs[j], pts.Select(p => p.TrainImages * shift).ToArray(), pts.Select(p => p.Mean).ToArray(), Markers: true,
                Low: pts.Select(p => p.Low).ToArray(), High: pts.Select(p => p.High).ToArray(), Band: false));
        }
        if (rows.Count > 0)
        {
            double lo = rows.Min(r => r.TrainImages) / 1.2, hi = rows.Max(r => r.TrainImages) * 1.2;
            traces.Add(new LineTrace("no difference", new[] { lo, hi }, new[] { 0.0, 0.0 }));
        }
        return new PlotlyFigure(traces, new FigureLayout($"{probe} probe: paired difference in {metric} (95% bootstrap interval; > 0: (a) better)",
            "labelled training images (log scale)", $"{metric} difference (points)", LogX: true));
    }

    /// <summary>
    /// The figures of every probe and metric in <paramref name="result"/>, in the order the runs were made: the curves and,
    /// where paired differences exist, the forest plot. The CLI, notebook 05 and the report (notebook 06) name and save them.
    /// </summary>
    public static IReadOnlyList<CurvesPanel> Panels(CurvesResult result) =>
        result.Levels.Select(l => (l.Probe, l.Metric)).Distinct().Select(k => new CurvesPanel(k.Probe, k.Metric, Curves(result.Levels, k.Probe, k.Metric),
            result.Differences.Any(d => d.Probe == k.Probe && d.Metric == k.Metric) ? Forest(result.Differences, k.Probe, k.Metric) : null)).ToList();

    /// <summary>Writes every figure into <paramref name="directory"/>; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string directory, CurvesResult result)
    {
        var folder = new FigureFolder(directory);
        foreach (var p in Panels(result))
        {
            folder.Save($"curves-{p.Key}", p.Curves, html: true);
            if (p.Forest is { } forest) folder.Save($"forest-{p.Key}", forest, html: true);
        }
        return folder.Written;
    }

    /// <summary>curves.csv as a table: one row per run (AP null for the semantic probes).</summary>
    public static DataFrame RunsTable(IReadOnlyList<CurvesRow> rows) => new(
        new StringDataFrameColumn("arm", rows.Select(r => r.Arm)),
        new StringDataFrameColumn("probe", rows.Select(r => r.Probe)),
        new Int32DataFrameColumn("train images", rows.Select(r => r.TrainImages)),
        new Int32DataFrameColumn("seed", rows.Select(r => r.Seed)),
        new Int32DataFrameColumn("steps", rows.Select(r => r.Steps)),
        new DoubleDataFrameColumn("AP", rows.Select(r => Defined(r.AP))),
        new DoubleDataFrameColumn("mIoU", rows.Select(r => Defined(r.MIoU))),
        new DoubleDataFrameColumn("train s", rows.Select(r => r.TrainSeconds)));

    /// <summary>The curves' points: per arm, probe, budget and metric the mean over seeds and its 95% bootstrap interval.</summary>
    public static DataFrame LevelsTable(IReadOnlyList<CurvesLevel> levels) => new(
        new StringDataFrameColumn("arm", levels.Select(l => l.Arm)),
        new StringDataFrameColumn("probe", levels.Select(l => l.Probe)),
        new Int32DataFrameColumn("train images", levels.Select(l => l.TrainImages)),
        new StringDataFrameColumn("metric", levels.Select(l => l.Metric)),
        new DoubleDataFrameColumn("mean", levels.Select(l => Defined(l.Mean))),
        new DoubleDataFrameColumn("95% low", levels.Select(l => Defined(l.Low))),
        new DoubleDataFrameColumn("95% high", levels.Select(l => Defined(l.High))),
        new Int32DataFrameColumn("seeds", levels.Select(l => l.Seeds)));

    /// <summary>differences.csv as a table: the paired differences with their 95% intervals.</summary>
    public static DataFrame DifferencesTable(IReadOnlyList<CurvesDifference> differences) => new(
        new StringDataFrameColumn("pair", differences.Select(d => d.Pair)),
        new StringDataFrameColumn("probe", differences.Select(d => d.Probe)),
        new Int32DataFrameColumn("train images", differences.Select(d => d.TrainImages)),
        new StringDataFrameColumn("metric", differences.Select(d => d.Metric)),
        new DoubleDataFrameColumn("mean", differences.Select(d => Defined(d.Mean))),
        new DoubleDataFrameColumn("95% low", differences.Select(d => Defined(d.Low))),
        new DoubleDataFrameColumn("95% high", differences.Select(d => Defined(d.High))),
        new Int32DataFrameColumn("seeds", differences.Select(d => d.Seeds)),
        new Int32DataFrameColumn("resamples", differences.Select(d => d.Resamples)));

    // An undefined metric (AP of a semantic probe) is an empty cell, as in the csv files, not "NaN".
    private static double? Defined(double v) => double.IsFinite(v) ? v : null;

    /// <summary>What a probe is, in a caption.</summary>
    public static string DescribeProbe(string probe) => probe switch
    {
        "linear" => "linear probe (one linear map per location from the frozen features to the classes)",
        "mlp" => "MLP probe (two 1x1 layers with a GELU between them)",
        "query" => "query probe (the study's query-based instance head)",
        _ => $"{probe} probe",
    };

    /// <summary>The caption of a curves figure, with the arms, budgets, seeds and resamples of <paramref name="result"/>.</summary>
    public static string CurvesCaption(CurvesResult result, string probe, string metric)
    {
        var levels = result.Levels.Where(l => l.Probe == probe && l.Metric == metric).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"The {DescribeProbe(probe)}: {metric} (%) against the number of labelled training stills ({string.Join(", ", levels.Select(l => l.TrainImages).Distinct().Order())}; log axis), " +
            $"one line per arm ({string.Join(", ", levels.Select(l => $"({l.Arm})").Distinct())}), the mean over up to {(levels.Count == 0 ? 0 : levels.Max(l => l.Seeds))} seeds " +
            $"with its 95% bootstrap band over the evaluation images{Resampled(result)}.");
    }

    /// <summary>The caption of a forest plot, with the pairs, seeds and resamples of <paramref name="result"/>.</summary>
    public static string ForestCaption(CurvesResult result, string probe, string metric)
    {
        var rows = result.Differences.Where(d => d.Probe == probe && d.Metric == metric).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"The {DescribeProbe(probe)}: paired difference in {metric} (percentage points) of the pairs {string.Join(", ", rows.Select(d => d.Pair).Distinct())} (first arm minus second) at each label budget, " +
            $"the mean over up to {(rows.Count == 0 ? 0 : rows.Max(d => d.Seeds))} seeds with its 95% paired-bootstrap interval (both arms scored on the same resample of the evaluation images" +
            $"{Resampled(result)}); above the zero line the first arm is better; an interval that crosses it leaves the sign open.");
    }

    private static string Resampled(CurvesResult result) =>
        result.Differences.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Differences.Max(d => d.Resamples)} resamples") : "";
}

/// <summary>One probe and metric's figures: the curves and, when there are paired differences, the forest plot.</summary>
public sealed record CurvesPanel(string Probe, string Metric, PlotlyFigure Curves, PlotlyFigure? Forest)
{
    /// <summary>The figure names' suffix, <c>&lt;probe&gt;-&lt;metric&gt;</c> (e.g. linear-mIoU).</summary>
    public string Key => $"{Probe}-{Metric}";
}
