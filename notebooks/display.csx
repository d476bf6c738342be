// Display helpers for MagvitSeg notebooks; `#load` it right after `#r "../artifacts/kernel/MagvitSeg.Lib.dll"`.
// The library knows nothing of dotnet-interactive; this file is the only glue:
//   display(figure)  -> the plotly chart (plotly.js inlined into the first chart of the notebook, offline)
//   display(png)     -> an image/png output
//   display(frame)   -> a DataFrame as an HTML table
//   NotebookProgress -> a ProgressReporter that updates one output line in place
//   LiveLine         -> a sink whose every line replaces the previous one in one output (a runner's progress lines)
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;

Formatter.Register<PlotlyFigure>((fig, writer) => writer.Write(NotebookHtml.Figure(fig)), "text/html");
Formatter.SetPreferredMimeTypesFor(typeof(PlotlyFigure), "text/html");
// image/png outputs carry base64 text, as in Jupyter.
Formatter.Register<PngImage>((png, writer) => writer.Write(png.ToBase64()), "image/png");
Formatter.SetPreferredMimeTypesFor(typeof(PngImage), "image/png");
// DataFrames as HTML tables (numbers to 4 significant digits, at most 40 rows).
Formatter.Register<DataFrame>((frame, writer) => writer.Write(TableHtml.Of(frame)), "text/html");
Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), "text/html");

/// <summary>A progress reporter whose line is one notebook output, updated in place every <paramref name="intervalSeconds"/>.</summary>
static ProgressReporter NotebookProgress(string label, long total, double intervalSeconds = 1.0)
{
    var shown = Kernel.display($"{label} starting ...", "text/plain");
    return new ProgressReporter(label, total, TimeSpan.FromSeconds(intervalSeconds), line => shown.Update(line));
}

/// <summary>A text output replaced by each line given to the returned sink (for log lines such as StudyLog's progress).</summary>
static Action<string> LiveLine(string initial)
{
    var shown = Kernel.display(initial, "text/plain");
    return line => shown.Update(line);
}
