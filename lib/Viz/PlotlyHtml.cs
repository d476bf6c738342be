using System.Net;

namespace MagvitSeg.Viz;

/// <summary>HTML for plotly figures: a fragment for notebooks, a full page for saved files. plotly.js is inlined, never fetched.</summary>
internal static class PlotlyHtml
{
    private static int _counter;

    public static string Fragment(PlotlyFigure fig, bool includePlotlyJs)
    {
        string id = $"magvitseg-plot-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}";
        string json = fig.ToJson();
        // The figure script waits for plotly.js so a chart shown before the first one finished loading still draws.
        string draw =
            $"<div id=\"{id}\" style=\"width:{fig.Layout.Width}px;height:{fig.Layout.Height}px;\"></div>\n" +
            "<script type=\"text/javascript\">\n(function(){var fig=" + EscapeScript(json) + ";\n" +
            $"function draw(){{if(window.Plotly){{window.Plotly.newPlot('{id}',fig.data,fig.layout,{{responsive:true}});}}else{{setTimeout(draw,50);}}}}draw();}})();\n</script>\n";
        return includePlotlyJs ? ScriptTag() + draw : draw;
    }

    public static string Page(PlotlyFigure fig)
    {
        string title = WebUtility.HtmlEncode(fig.Layout.Title ?? "MagvitSeg figure");
        return $"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\"/>\n<title>{title}</title>\n</head>\n<body>\n" +
               Fragment(fig, includePlotlyJs: true) + "</body>\n</html>\n";
    }

    public static string ScriptTag() => "<script type=\"text/javascript\">\n" + PlotlyJs.Script + "\n</script>\n";

    // A "</script" inside a JSON string (e.g. a series name) would end the script element early.
    private static string EscapeScript(string json) => json.Replace("</", "<\\/", StringComparison.Ordinal);
}
