using MagvitSeg.Viz;
using Microsoft.Data.Analysis;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Viz;

public class NotebookDisplayTests
{
    [Fact]
    public void TableHtmlFormatsNumbersEscapesTextAndCutsLongTables()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("name", new[] { "a<b", "c", "d" }),
            new DoubleDataFrameColumn("value", new[] { 3.0, 0.123456, double.NaN }));
        string html = TableHtml.Of(frame, maxRows: 2);
        Assert.Contains("<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:left\">name</th>", html);
        Assert.Contains("text-align:right\">value</th>", html);
        Assert.Contains(">a&lt;b<", html);
        Assert.Contains(">3<", html);
        Assert.Contains(">0.1235<", html);
        Assert.DoesNotContain(">NaN<", html);      // the third row is cut
        Assert.Contains("1 more rows of 3", html);
        Assert.Equal("", TableHtml.Cell(null));
        Assert.Equal("12", TableHtml.Cell(12));
    }

    [Fact]
    public void ClipAnimationStepsThroughAStripOfAllFrames()
    {
        using var clips = zeros(new long[] { 2, 3, 5, 4, 6 });               // [B, 3, T, H, W]
        var (strip, frames, w, h) = ClipAnimation.Strip(clips[0], scale: 2);
        Assert.Equal((5, 12, 8), (frames, w, h));
        Assert.Equal((60, 8), (strip.Width, strip.Height));
        string html = ClipAnimation.Html(clips, scale: 2, fps: 10, captions: new[] { "x", "y" });
        Assert.Equal(2, html.Split("@keyframes").Length - 1);
        Assert.Contains("steps(5) infinite", html);
        Assert.Contains("0.5s", html);
        Assert.Contains("background-position: -60px 0", html);
        Assert.Contains("<figcaption", html);
        Assert.Throws<ArgumentException>(() => ClipAnimation.Html(clips, fps: 0));
    }

    [Fact]
    public void FigureFolderWritesPngsAndReturnsWhatItSaved()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-figs-" + Guid.NewGuid().ToString("N"));
        try
        {
            var folder = new FigureFolder(dir);
            using var bmp = ImageTensors.NewBitmap(3, 2);
            var png = PngImage.Encode(bmp);
            Assert.Same(png, folder.Save("01-a", png));
            var fig = Charts.Bars(new[] { "x" }, new[] { 1.0 });
            Assert.Same(fig, folder.Save("01-b", fig));
            Assert.Equal(new[] { "01-a.png", "01-b.png" }, folder.Written.Select(Path.GetFileName));
            using var back = SKBitmap.Decode(Path.Combine(dir, "01-b.png"));
            Assert.Equal(fig.Layout.Width, back.Width);
            Assert.Throws<ArgumentException>(() => folder.PathOf("a/b"));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
