namespace MagvitSeg.Viz;

/// <summary>The chart kinds the notebooks and reports use. Each returns a <see cref="PlotlyFigure"/> (HTML and PNG).</summary>
public static class Charts
{
    /// <summary>Curves over a numeric x (loss or PSNR over steps), one per series.</summary>
    public static PlotlyFigure Line(IEnumerable<(string Name, double[] X, double[] Y)> series, string? title = null,
                                    string? xTitle = null, string? yTitle = null, bool logY = false) =>
        new(series.Select(s => (Trace)new LineTrace(s.Name, s.X, s.Y)), new FigureLayout(title, xTitle, yTitle, logY));

    /// <summary>Precision-recall curves, one per series, on the unit square.</summary>
    public static PlotlyFigure PrCurves(IEnumerable<(string Name, double[] Recall, double[] Precision)> curves, string? title = null) =>
        new(curves.Select(c => (Trace)new LineTrace(c.Name, c.Recall, c.Precision)),
            new FigureLayout(title ?? "Precision-recall", "recall", "precision", XRange: (0, 1), YRange: (0, 1.02)));

    /// <summary>Grouped bars with error bars (a study table: mean ± std per setting), one group per series.</summary>
    public static PlotlyFigure BarsWithErrors(string[] categories, IEnumerable<(string Name, double[] Mean, double[] Error)> series,
                                              string? title = null, string? yTitle = null) =>
        new(series.Select(s => (Trace)new BarTrace(s.Name, categories, s.Mean, s.Error)), new FigureLayout(title, null, yTitle));

    /// <summary>One bar per category (per-category AP).</summary>
    public static PlotlyFigure Bars(string[] categories, double[] values, string? title = null, string? yTitle = null, string? name = null) =>
        new(new Trace[] { new BarTrace(name, categories, values) },
            new FigureLayout(title, null, yTitle, Width: Math.Clamp(120 + 28 * categories.Length, 500, 1600)));

    /// <summary>A histogram of <paramref name="values"/> with <paramref name="bins"/> equal bins over [min, max].</summary>
    public static PlotlyFigure Histogram(double[] values, int bins, string? title = null, string? xTitle = null,
                                         string? yTitle = "count", bool logY = false)
    {
        if (bins < 1) throw new ArgumentException($"Histogram needs at least 1 bin, got {bins}.", nameof(bins));
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) throw new ArgumentException("Histogram: no finite values to bin.", nameof(values));
        double lo = finite.Min(), hi = finite.Max();
        if (hi == lo) { lo -= 0.5; hi += 0.5; }
        var edges = Enumerable.Range(0, bins + 1).Select(i => lo + (hi - lo) * i / bins).ToArray();
        var counts = new double[bins];
        foreach (double v in finite) counts[Math.Min((int)((v - lo) / (hi - lo) * bins), bins - 1)]++;
        return new(new Trace[] { new HistogramTrace(null, edges, counts) }, new FigureLayout(title, xTitle, yTitle, logY));
    }

    /// <summary>
    /// Codebook usage: how many codes were used how often (histogram of per-code counts, log y so the long
    /// tail of rare codes shows) — dead codes fall in the first bin.
    /// </summary>
    public static PlotlyFigure CodebookUsage(long[] countsPerCode, int bins = 50, string? title = null) =>
        Histogram(countsPerCode.Select(c => (double)c).ToArray(), bins,
                  title ?? $"Codebook usage ({countsPerCode.Count(c => c > 0)}/{countsPerCode.Length} codes used)",
                  "times a code was used", "number of codes");

    /// <summary>A heatmap of <paramref name="z"/> [rows, cols] (Viridis; row 0 at the top).</summary>
    public static PlotlyFigure Heatmap(double[,] z, string? title = null, string[]? columnLabels = null, string[]? rowLabels = null,
                                       string? xTitle = null, string? yTitle = null) =>
        new(new Trace[] { new HeatmapTrace(null, z, columnLabels, rowLabels) }, new FigureLayout(title, xTitle, yTitle));
}
