using MagvitSeg.Runtime;
namespace MagvitSeg.Viz;

/// <summary>One series of a figure. The same data gives the plotly.js JSON (HTML) and the SkiaSharp PNG.</summary>
public abstract record Trace(string? Name);

/// <summary>
/// A line (or markers) series over numeric x. <c>ErrorY</c>: symmetric error bar half-widths, optional. <c>Low</c> and
/// <c>High</c>: an interval per point (e.g. a bootstrap interval), drawn as a shaded band in the line's colour, or as
/// asymmetric whiskers when <c>Band</c> is false.
/// </summary>
public sealed record LineTrace(string? Name, double[] X, double[] Y, bool Markers = false, double[]? ErrorY = null,
    double[]? Low = null, double[]? High = null, bool Band = true) : Trace(Name);

/// <summary>Bars over categories; several bar traces on one figure are grouped side by side.</summary>
public sealed record BarTrace(string? Name, string[] Categories, double[] Y, double[]? ErrorY = null) : Trace(Name);

/// <summary>A histogram already binned: <c>Counts[i]</c> is the count in [<c>Edges[i]</c>, <c>Edges[i+1]</c>).</summary>
public sealed record HistogramTrace(string? Name, double[] Edges, double[] Counts) : Trace(Name);

/// <summary>A matrix as colours (Viridis). <c>Z</c> is [rows, cols]; row 0 is drawn at the top.</summary>
public sealed record HeatmapTrace(string? Name, double[,] Z, string[]? ColumnLabels = null, string[]? RowLabels = null) : Trace(Name);

/// <summary>Titles and axis settings of a figure.</summary>
/// <param name="Title">Figure title.</param>
/// <param name="XTitle">X axis title.</param>
/// <param name="YTitle">Y axis title.</param>
/// <param name="LogY">Logarithmic y axis (loss curves). The default is false.</param>
/// <param name="XRange">Fixed x range, e.g. [0, 1] for PR curves; null lets the data decide.</param>
/// <param name="YRange">Fixed y range; null lets the data decide.</param>
/// <param name="Width">Width in pixels of the HTML div and the PNG. The default is 800.</param>
/// <param name="Height">Height in pixels. The default is 480.</param>
/// <param name="LogX">Logarithmic x axis (label budgets). The default is false.</param>
public sealed record FigureLayout(
    string? Title = null, string? XTitle = null, string? YTitle = null, bool LogY = false,
    (double Min, double Max)? XRange = null, (double Min, double Max)? YRange = null,
    int Width = 800, int Height = 480, bool LogX = false);

/// <summary>
/// A chart as data (traces + layout). <see cref="ToHtml"/> renders it with plotly.js (inlined, offline);
/// <see cref="ToPng"/> draws the same figure with SkiaSharp for static reports.
/// </summary>
public sealed class PlotlyFigure
{
    public PlotlyFigure(IEnumerable<Trace> traces, FigureLayout layout)
    {
        Traces = traces.ToArray();
        Layout = layout;
        foreach (var t in Traces) Validate(t);
        if (Traces.OfType<HeatmapTrace>().Any() && Traces.Count != 1)
            throw new ArgumentException("A heatmap figure holds exactly one trace (the heatmap).");
        if (Traces.OfType<BarTrace>().Any() && !Traces.All(t => t is BarTrace))
            throw new ArgumentException("A figure with bar traces holds only bar traces (its x axis is categorical).");
        if (layout.Width < 100 || layout.Height < 100)
            throw new ArgumentException($"Figure size {layout.Width}x{layout.Height} is too small: use at least 100x100 pixels.");
    }

    public IReadOnlyList<Trace> Traces { get; }
    public FigureLayout Layout { get; }

    /// <summary>The plotly.js figure as JSON: <c>{"data": [...], "layout": {...}}</c>.</summary>
    public string ToJson() => PlotlyJson.Figure(this).ToJsonString();

    /// <summary>An HTML fragment (div + script). With <paramref name="includePlotlyJs"/> it carries plotly.js inline (about 4.8 MB).</summary>
    public string ToHtml(bool includePlotlyJs) => PlotlyHtml.Fragment(this, includePlotlyJs);

    /// <summary>Writes a standalone HTML page with plotly.js inlined (works offline), atomically.</summary>
    public void SaveHtml(string path) => AtomicFile.WriteAllText(path, PlotlyHtml.Page(this));

    /// <summary>The figure drawn with SkiaSharp as a PNG, at the layout's size times <paramref name="scale"/>.</summary>
    public PngImage ToPng(float scale = 1f) => ChartRenderer.Render(this, scale);

    /// <summary>Writes <see cref="ToPng"/> to a file atomically.</summary>
    public void SavePng(string path, float scale = 1f) => ToPng(scale).Save(path);

    private static void Validate(Trace t)
    {
        string name = t.Name ?? "(unnamed)";
        switch (t)
        {
            case LineTrace l:
                if (l.X.Length != l.Y.Length) throw new ArgumentException($"Line '{name}': {l.X.Length} x values but {l.Y.Length} y values.");
                if (l.ErrorY is { } e && e.Length != l.Y.Length) throw new ArgumentException($"Line '{name}': ErrorY has {e.Length} values, Y has {l.Y.Length}.");
                if ((l.Low is null) != (l.High is null) || (l.Low is { } lo && (lo.Length != l.Y.Length || l.High!.Length != l.Y.Length)))
                    throw new ArgumentException($"Line '{name}': Low and High come together, one value per point.");
                break;
            case BarTrace b:
                if (b.Categories.Length != b.Y.Length) throw new ArgumentException($"Bars '{name}': {b.Categories.Length} categories but {b.Y.Length} values.");
                if (b.ErrorY is { } be && be.Length != b.Y.Length) throw new ArgumentException($"Bars '{name}': ErrorY has {be.Length} values, Y has {b.Y.Length}.");
                break;
            case HistogramTrace h:
                if (h.Edges.Length != h.Counts.Length + 1) throw new ArgumentException($"Histogram '{name}': needs Counts.Length + 1 edges, got {h.Edges.Length} edges for {h.Counts.Length} counts.");
                break;
            case HeatmapTrace m:
                if (m.Z.GetLength(0) == 0 || m.Z.GetLength(1) == 0) throw new ArgumentException($"Heatmap '{name}' is empty.");
                if (m.ColumnLabels is { } cl && cl.Length != m.Z.GetLength(1)) throw new ArgumentException($"Heatmap '{name}': {cl.Length} column labels for {m.Z.GetLength(1)} columns.");
                if (m.RowLabels is { } rl && rl.Length != m.Z.GetLength(0)) throw new ArgumentException($"Heatmap '{name}': {rl.Length} row labels for {m.Z.GetLength(0)} rows.");
                break;
        }
    }
}
