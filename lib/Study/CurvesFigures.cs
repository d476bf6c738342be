using MagvitSeg.Viz;

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

    /// <summary>Writes every figure into <paramref name="directory"/>; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string directory, CurvesResult result)
    {
        var folder = new FigureFolder(directory);
        foreach (var (probe, metric) in result.Levels.Select(l => (l.Probe, l.Metric)).Distinct())
        {
            folder.Save($"curves-{probe}-{metric}", Curves(result.Levels, probe, metric), html: true);
            if (result.Differences.Any(d => d.Probe == probe && d.Metric == metric))
                folder.Save($"forest-{probe}-{metric}", Forest(result.Differences, probe, metric), html: true);
        }
        return folder.Written;
    }
}
