namespace MagvitSeg.Viz;

/// <summary>
/// HTML for notebook outputs. plotly.js goes into the first chart of a kernel session only (one notebook =
/// one kernel), later charts reuse it; the library stays free of dotnet-interactive: a cell displays the string.
/// </summary>
public static class NotebookHtml
{
    private static int _plotlyIncluded;

    /// <summary>The chart as an HTML fragment; carries plotly.js the first time in this process.</summary>
    public static string Figure(PlotlyFigure fig) =>
        fig.ToHtml(includePlotlyJs: Interlocked.Exchange(ref _plotlyIncluded, 1) == 0);

    /// <summary>Makes the next <see cref="Figure"/> include plotly.js again (after the notebook's outputs were cleared).</summary>
    public static void ResetPlotlyJs() => Interlocked.Exchange(ref _plotlyIncluded, 0);

    /// <summary>A PNG as an <c>&lt;img&gt;</c> tag with a data URI.</summary>
    public static string Image(PngImage png, string? alt = null) =>
        $"<img src=\"data:image/png;base64,{png.ToBase64()}\" width=\"{png.Width}\" height=\"{png.Height}\" alt=\"{System.Net.WebUtility.HtmlEncode(alt ?? "image")}\"/>";
}
