using System.Text.Json.Nodes;

namespace MagvitSeg.Viz;

/// <summary>Turns a <see cref="PlotlyFigure"/> into plotly.js's figure JSON (data + layout).</summary>
internal static class PlotlyJson
{
    public static JsonObject Figure(PlotlyFigure fig)
    {
        var data = new JsonArray();
        for (int i = 0; i < fig.Traces.Count; i++)
        {
            if (fig.Traces[i] is LineTrace { Low: { } low, High: { } high, Band: true } l)
            {
                // plotly draws a band as the lower edge (invisible) followed by the upper edge filled down to it.
                string fill = Palette.Series[i % Palette.Series.Length];
                data.Add(new JsonObject { ["type"] = "scatter", ["mode"] = "lines", ["x"] = Numbers(l.X), ["y"] = Numbers(low),
                    ["line"] = new JsonObject { ["width"] = 0 }, ["showlegend"] = false, ["hoverinfo"] = "skip" });
                data.Add(new JsonObject { ["type"] = "scatter", ["mode"] = "lines", ["x"] = Numbers(l.X), ["y"] = Numbers(high),
                    ["line"] = new JsonObject { ["width"] = 0 }, ["fill"] = "tonexty", ["fillcolor"] = fill + "33", ["showlegend"] = false, ["hoverinfo"] = "skip" });
            }
            data.Add(Trace(fig.Traces[i], i));
        }
        return new JsonObject { ["data"] = data, ["layout"] = Layout(fig) };
    }

    private static JsonObject Trace(Trace t, int index)
    {
        string color = Palette.Series[index % Palette.Series.Length];
        JsonObject o = t switch
        {
            LineTrace l => new JsonObject
            {
                ["type"] = "scatter", ["mode"] = l.Markers ? "lines+markers" : "lines",
                ["x"] = Numbers(l.X), ["y"] = Numbers(l.Y), ["line"] = new JsonObject { ["color"] = color },
            },
            BarTrace b => new JsonObject
            {
                ["type"] = "bar", ["x"] = new JsonArray(b.Categories.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                ["y"] = Numbers(b.Y), ["marker"] = new JsonObject { ["color"] = color },
            },
            HistogramTrace h => new JsonObject
            {
                // Pre-binned, so the HTML shows exactly the bins the PNG shows.
                ["type"] = "bar",
                ["x"] = Numbers(Enumerable.Range(0, h.Counts.Length).Select(k => (h.Edges[k] + h.Edges[k + 1]) / 2).ToArray()),
                ["width"] = Numbers(Enumerable.Range(0, h.Counts.Length).Select(k => h.Edges[k + 1] - h.Edges[k]).ToArray()),
                ["y"] = Numbers(h.Counts), ["marker"] = new JsonObject { ["color"] = color },
            },
            HeatmapTrace m => Heatmap(m),
            _ => throw new ArgumentException($"Unknown trace type {t.GetType().Name}."),
        };
        if (t.Name is not null) o["name"] = t.Name;
        double[]? err = t switch { LineTrace l => l.ErrorY, BarTrace b => b.ErrorY, _ => null };
        if (err is not null) o["error_y"] = new JsonObject { ["type"] = "data", ["array"] = Numbers(err), ["visible"] = true };
        if (t is LineTrace { Low: { } lo, High: { } hi, Band: false } w)
            o["error_y"] = new JsonObject
            {
                ["type"] = "data", ["symmetric"] = false, ["visible"] = true,
                ["array"] = Numbers(hi.Zip(w.Y, (h, y) => h - y).ToArray()), ["arrayminus"] = Numbers(w.Y.Zip(lo, (y, l) => y - l).ToArray()),
            };
        return o;
    }

    private static JsonObject Heatmap(HeatmapTrace m)
    {
        int rows = m.Z.GetLength(0), cols = m.Z.GetLength(1);
        var z = new JsonArray();
        for (int r = 0; r < rows; r++)
            z.Add(Numbers(Enumerable.Range(0, cols).Select(c => m.Z[r, c]).ToArray()));
        var scale = new JsonArray(Palette.ViridisScale().Select(s => (JsonNode?)new JsonArray(s.Position, s.Color)).ToArray());
        var o = new JsonObject { ["type"] = "heatmap", ["z"] = z, ["colorscale"] = scale };
        if (m.ColumnLabels is not null) o["x"] = new JsonArray(m.ColumnLabels.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        if (m.RowLabels is not null) o["y"] = new JsonArray(m.RowLabels.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        return o;
    }

    private static JsonObject Layout(PlotlyFigure fig)
    {
        var l = fig.Layout;
        var xaxis = new JsonObject();
        var yaxis = new JsonObject();
        if (l.XTitle is not null) xaxis["title"] = new JsonObject { ["text"] = l.XTitle };
        if (l.YTitle is not null) yaxis["title"] = new JsonObject { ["text"] = l.YTitle };
        if (l.LogY) yaxis["type"] = "log";
        if (l.LogX) xaxis["type"] = "log";
        if (l.XRange is { } xr) xaxis["range"] = l.LogX ? new JsonArray(Math.Log10(xr.Min), Math.Log10(xr.Max)) : new JsonArray(xr.Min, xr.Max);
        if (l.YRange is { } yr) yaxis["range"] = l.LogY ? new JsonArray(Math.Log10(yr.Min), Math.Log10(yr.Max)) : new JsonArray(yr.Min, yr.Max);
        if (fig.Traces.Count == 1 && fig.Traces[0] is HeatmapTrace) yaxis["autorange"] = "reversed"; // row 0 on top, as in the PNG
        var o = new JsonObject
        {
            ["width"] = l.Width, ["height"] = l.Height, ["barmode"] = "group",
            ["xaxis"] = xaxis, ["yaxis"] = yaxis, ["template"] = "plotly_white",
        };
        if (fig.Traces.Any(t => t is HistogramTrace)) o["bargap"] = 0;
        if (l.Title is not null) o["title"] = new JsonObject { ["text"] = l.Title };
        return o;
    }

    // JSON has no NaN/Infinity; plotly.js reads null as a gap, which is what a missing value means here.
    private static JsonArray Numbers(double[] v) =>
        new(v.Select(x => double.IsFinite(x) ? (JsonNode?)JsonValue.Create(x) : null).ToArray());
}
