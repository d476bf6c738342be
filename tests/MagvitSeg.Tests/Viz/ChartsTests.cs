using System.Text.Json;
using MagvitSeg.Viz;
using SkiaSharp;

namespace MagvitSeg.Tests.Viz;

public class ChartsTests
{
    [Fact]
    public void LineFigureJsonHasTracesLayoutAndNullForNaN()
    {
        var fig = Charts.Line(new[] { ("train", new[] { 0.0, 1, 2 }, new[] { 3.0, double.NaN, 1 }), ("val", new[] { 0.0, 2 }, new[] { 4.0, 2 }) },
                              "Loss", "step", "loss", logY: true);
        using var doc = JsonDocument.Parse(fig.ToJson());
        var data = doc.RootElement.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal("scatter", data[0].GetProperty("type").GetString());
        Assert.Equal("train", data[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, data[0].GetProperty("y")[1].ValueKind);
        Assert.Equal(1.0, data[0].GetProperty("y")[2].GetDouble());
        Assert.Equal("#ff7f0e", data[1].GetProperty("line").GetProperty("color").GetString());
        var layout = doc.RootElement.GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Equal("step", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("Loss", layout.GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void HistogramBinsByHand()
    {
        // [0, 4] in 2 bins: [0, 2) holds 0, 1; [2, 4] holds 2, 3, 4 (the maximum goes in the last bin).
        var fig = Charts.Histogram(new[] { 0.0, 1, 2, 3, 4, double.NaN }, 2);
        var h = Assert.IsType<HistogramTrace>(fig.Traces[0]);
        Assert.Equal(new[] { 0.0, 2, 4 }, h.Edges);
        Assert.Equal(new[] { 2.0, 3 }, h.Counts);
        using var doc = JsonDocument.Parse(fig.ToJson());
        var t = doc.RootElement.GetProperty("data")[0];
        Assert.Equal(new[] { 1.0, 3 }, t.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(new[] { 2.0, 2 }, t.GetProperty("width").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void BarsCarryErrorBars()
    {
        var fig = Charts.BarsWithErrors(new[] { "a", "b" }, new[] { ("AP", new[] { 1.0, 2 }, new[] { 0.1, 0.2 }) });
        using var doc = JsonDocument.Parse(fig.ToJson());
        var t = doc.RootElement.GetProperty("data")[0];
        Assert.Equal("bar", t.GetProperty("type").GetString());
        Assert.Equal(0.2, t.GetProperty("error_y").GetProperty("array")[1].GetDouble());
        Assert.Throws<ArgumentException>(() => Charts.BarsWithErrors(new[] { "a", "b" }, new[] { ("AP", new[] { 1.0 }, new[] { 0.1 }) }));
        Assert.Throws<ArgumentException>(() => new PlotlyFigure(
            new Trace[] { new BarTrace("b", new[] { "a" }, new[] { 1.0 }), new LineTrace("l", new[] { 0.0 }, new[] { 1.0 }) }, new FigureLayout()));
    }

    [Fact]
    public void HtmlInlinesPlotlyOnlyWhenAskedAndEscapesScriptEnd()
    {
        var fig = Charts.Bars(new[] { "</script><b>x" }, new[] { 1.0 }, name: "</script>");
        string bare = fig.ToHtml(includePlotlyJs: false);
        Assert.DoesNotContain("plotly.js v4.1.2", bare);
        Assert.Contains("Plotly.newPlot", bare);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(bare, "</script>"));
        string full = fig.ToHtml(includePlotlyJs: true);
        Assert.Contains("plotly.js v4.1.2", full);
        Assert.Contains("Licensed under the MIT license", full);
        Assert.True(full.Length > 3_000_000);
    }

    [Fact]
    public void SaveHtmlAndPngWriteCompleteFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-viz-" + Guid.NewGuid().ToString("N"));
        try
        {
            var fig = Charts.PrCurves(new[] { ("IoU=.5", new[] { 0.0, 0.5, 1 }, new[] { 1.0, 0.8, 0 }) });
            fig.SaveHtml(Path.Combine(dir, "pr.html"));
            fig.SavePng(Path.Combine(dir, "pr.png"));
            string html = File.ReadAllText(Path.Combine(dir, "pr.html"));
            Assert.StartsWith("<!DOCTYPE html>", html);
            Assert.EndsWith("</html>\n", html);
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.Contains("magvitseg-tmp"));
            using var png = SKBitmap.Decode(Path.Combine(dir, "pr.png"));
            Assert.Equal((800, 480), (png.Width, png.Height));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void PngBarIsDrawnInTheSeriesColour()
    {
        // One bar of height 1: it spans 10-90 % of the plot width and nearly the full height, so the
        // image centre lies inside it.
        var fig = Charts.Bars(new[] { "only" }, new[] { 1.0 });
        using var bmp = fig.ToPng().Decode();
        Assert.Equal(new SKColor(0x1f, 0x77, 0xb4), bmp.GetPixel(bmp.Width / 2, bmp.Height / 2));
        using var big = fig.ToPng(scale: 2).Decode();
        Assert.Equal(fig.Layout.Width * 2, big.Width);
    }

    [Fact]
    public void PngHeatmapUsesViridisEnds()
    {
        var fig = Charts.Heatmap(new double[,] { { 0, 1 } });
        using var bmp = fig.ToPng().Decode();
        // The plot spans about x = 30..700: x = 200 is in the left cell (minimum), x = 550 in the right (maximum).
        Assert.Equal(new SKColor(68, 1, 84), bmp.GetPixel(200, 240));
        Assert.Equal(new SKColor(253, 231, 37), bmp.GetPixel(550, 240));
        using var doc = JsonDocument.Parse(fig.ToJson());
        Assert.Equal("reversed", doc.RootElement.GetProperty("layout").GetProperty("yaxis").GetProperty("autorange").GetString());
    }

    [Fact]
    public void ViridisInterpolatesBetweenStops()
    {
        // Halfway between stop 0 (68, 1, 84) and stop 1 (71, 45, 123): t = 1/16.
        Assert.Equal(new SKColor(70, 23, 104), Palette.Viridis(1.0 / 16)); // 69.5 -> 70, 23, 103.5 -> 104
    }

    [Fact]
    public void AxisTicksAreNice()
    {
        var a = Axis.Make(new[] { 0.0, 1 }, null, log: false, pad: false);
        Assert.Equal(new[] { 0.0, 0.2, 0.4, 0.6, 0.8, 1.0 }, a.Ticks.Select(t => Math.Round(t, 10)));
        Assert.Equal("0.4", a.Format(0.4));
        var log = Axis.Make(new[] { 0.05, 20 }, null, log: true, pad: false);
        Assert.Equal(new[] { 0.1, 1, 10 }, log.Ticks.Select(t => Math.Round(t, 10)));
        Assert.Equal(0.5, log.Fraction(Math.Sqrt(0.05 * 20)), 10);
        // Inside one decade with no 1-2-5 value (a head's loss curve, 12..19): nice linear steps instead of no ticks.
        var narrow = Axis.Make(new[] { 12.0, 19 }, null, log: true, pad: false);
        Assert.Equal(new[] { 12.0, 14, 16, 18 }, narrow.Ticks.Select(t => Math.Round(t, 10)));       // step nice(7/4) = 2
        var tight = Axis.Make(new[] { 12.1, 12.9 }, null, log: true, pad: false);
        Assert.Equal(new[] { 12.2, 12.4, 12.6, 12.8 }, tight.Ticks.Select(t => Math.Round(t, 10))); // step nice(0.2) = 0.2
    }
}
