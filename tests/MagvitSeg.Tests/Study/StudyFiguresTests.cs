using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Models.Head;
using MagvitSeg.Runtime;
using MagvitSeg.Study;
using MagvitSeg.Viz;

namespace MagvitSeg.Tests.Study;

/// <summary>A study folder written by hand: study.csv and one evaluated run whose predictions are the ground truth.</summary>
internal static class FakeStudy
{
    /// <summary>MovingShapes val stills at 32 px (exported into <paramref name="dir"/>).</summary>
    public static CocoImageSet Stills(string dir, int count = 6)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = 32, Frames = 8, Seed = 3 });
        string json = MovingShapesStills.Export(gen, dir, "val", MovingShapesSplit.StillsVal, count);
        return CocoImageSet.Load(json, Path.Combine(dir, "val"), 32);
    }

    /// <summary>Every ground-truth instance of <paramref name="set"/> as a detection with score 0.9 (AP 100).</summary>
    public static List<CocoAnnotation> Perfect(CocoImageSet set)
    {
        var dets = new List<CocoAnnotation>();
        for (int i = 0; i < set.Count; i++)
        {
            var t = set.Targets[i];
            int s = set.Size;
            dets.AddRange(HeadEvaluation.ToAnnotations(Enumerable.Range(0, t.Count).Select(k =>
                new InstanceDetection(t.Classes[k], 0.9, k, s, s, t.Masks.AsSpan(k * s * s, s * s).ToArray())), set, i));
        }
        CocoJson.CompleteResults(dets, "test", set.LoadedGt);
        return dets;
    }

    public static readonly StudyRow[] Rows =
    {
        new("a", "video", 0, 10, 30, 5, 10, double.NaN, double.NaN, 20, 12, 1.5),
        new("a", "video", 1, 14, 34, 7, 14, double.NaN, double.NaN, 24, 16, 1.5),
        new("b", "random", 0, 4, 12, 1, 4, double.NaN, double.NaN, 8, 6, 1.0),
        new("b", "random", 1, 6, 14, 2, 6, double.NaN, double.NaN, 9, 8, 1.0),
    };

    /// <summary>study.csv with <see cref="Rows"/>, and run (a) seed 0 evaluated with <see cref="Perfect"/> predictions.</summary>
    public static void Write(StudyPaths paths, CocoImageSet set)
    {
        Directory.CreateDirectory(paths.Root);
        StudyTable.Write(paths.Root, Rows);
        string run = paths.Run("a", 0);
        Directory.CreateDirectory(run);
        var dets = Perfect(set);
        CocoJson.WriteResults(Path.Combine(run, "predictions.json"), dets);
        var (metrics, _) = HeadEvaluation.Score(dets, set);
        AtomicFile.WriteJson(Path.Combine(run, "run.json"), new HeadRunRecord("a", "video", 0, metrics, 1.5, 0.5, "key"));
        File.WriteAllText(Path.Combine(run, "metrics.csv"),
            "step,loss,class,mask,dice,lr,seconds\n1,3.0,1.0,0.5,0.9,0.001,0.1\n2,2.0,0.8,0.4,0.8,0.001,0.1\n3,1.5,0.6,0.3,0.7,0.0005,0.1\n");
    }
}

public class StudyFiguresTests
{
    [Fact]
    public void StudyBarsShowMeanAndSeedStdPerVariantForApAp50AndMiou()
    {
        var summary = StudyTable.Summarise(FakeStudy.Rows);
        var fig = StudyFigures.StudyBars(summary);
        var bars = fig.Traces.Cast<BarTrace>().ToList();
        Assert.Equal(new[] { "AP", "AP50", "mIoU" }, bars.Select(b => b.Name));
        Assert.All(bars, b => Assert.Equal(new[] { "a", "b" }, b.Categories));
        Assert.Equal(new[] { 12.0, 5.0 }, bars[0].Y);
        Assert.Equal(Math.Sqrt(8), bars[0].ErrorY![0], 9);                  // seeds 10 and 14: sample std
        Assert.Equal(new[] { 22.0, 8.5 }, bars[2].Y);
        Assert.Contains("mean ± std", fig.Layout.Title);
        using (var png = fig.ToPng().Decode()) Assert.Equal(fig.Layout.Width, png.Width);
        Assert.Equal(new[] { 22.0, 8.5 }, StudyFigures.MiouBars(summary).Traces.Cast<BarTrace>().Single().Y);
        Assert.Throws<ArgumentException>(() => StudyFigures.StudyBars(Array.Empty<StudySummary>()));

        var table = StudyFigures.SummaryTable(summary);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(12.0, table["AP"][0]);
        Assert.Equal(4, StudyFigures.RowsTable(FakeStudy.Rows).Rows.Count);
    }

    [Fact]
    public void PerfectPredictionsGivePrecisionOneCurvesAndAp100PerCategory()
    {
        string dir = Temp();
        try
        {
            var set = FakeStudy.Stills(dir);
            var (_, coco) = HeadEvaluation.Score(FakeStudy.Perfect(set), set);
            var pr = StudyFigures.PrCurves(coco, "(a) seed 0");
            var lines = pr.Traces.Cast<LineTrace>().ToList();
            Assert.Equal(new[] { "IoU 0.50", "IoU 0.75" }, lines.Select(l => l.Name));
            Assert.All(lines, l => Assert.All(l.Y, p => Assert.Equal(1.0, p, 9)));
            Assert.Equal(101, lines[0].X.Length);
            Assert.Contains("(a) seed 0", pr.Layout.Title);

            var present = set.Targets.SelectMany(t => t.Classes).Distinct().Count();
            var perCat = StudyFigures.PrCurves(coco, "(a) seed 0", perCategory: true);
            Assert.Equal(present, perCat.Traces.Count);                          // categories without ground truth are left out

            var ap = StudyFigures.PerCategoryAp(coco, "(a) seed 0").Traces.Cast<BarTrace>().ToList();
            Assert.Equal(set.NumClasses, ap[0].Categories.Length);
            Assert.Equal(present, ap[0].Y.Count(v => !double.IsNaN(v)));
            Assert.All(ap[0].Y.Where(v => !double.IsNaN(v)), v => Assert.Equal(100, v, 6));
            Assert.Equal(set.NumClasses, StudyFigures.PerCategoryTable(coco).Rows.Count);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void OverlaysShowGroundTruthOverPredictionsOnePerObject()
    {
        string dir = Temp();
        try
        {
            var set = FakeStudy.Stills(dir);
            var dets = FakeStudy.Perfect(set);
            int scale = 4, cell = 32 * scale;
            var png = StudyFigures.PredictionOverlays(set, dets, images: 3, scale: scale);
            var none = StudyFigures.PredictionOverlays(set, dets, images: 3, maxPerImage: 0, scale: scale);
            using var grid = png.Decode();
            using var empty = none.Decode();
            Assert.Equal(grid.Width, empty.Width);
            Assert.True(grid.Width >= 3 * cell && grid.Width < 3 * cell + 200, $"width {grid.Width}");
            Assert.True(grid.Height >= 2 * cell && grid.Height < 2 * cell + 40, $"height {grid.Height}");
            // Grid geometry (ImageGrid.Compose): cells start at left + 2 + c * (cell + 2), top 20 + 2 + r * (cell + 2).
            int left = grid.Width - 3 * (cell + 2) - 2, top = 20;
            SkiaSharp.SKColor Px(SkiaSharp.SKBitmap b, int r, int c, int x, int y) => b.GetPixel(left + 2 + c * (cell + 2) + x, top + 2 + r * (cell + 2) + y);
            using var plainSmall = ImageTensors.ToBitmap(set.Images(0, 1)[0]);
            int differGt = 0, differPred = 0, differEmpty = 0, differRows = 0;
            for (int y = 0; y < cell; y++)
                for (int x = 0; x < cell; x++)
                {
                    var plain = plainSmall.GetPixel(x / scale, y / scale);
                    if (Px(grid, 0, 0, x, y) != plain) differGt++;
                    if (Px(grid, 1, 0, x, y) != plain) differPred++;
                    if (Px(empty, 1, 0, x, y) != plain) differEmpty++;
                    if (Px(grid, 0, 0, x, y) != Px(grid, 1, 0, x, y)) differRows++;
                }
            Assert.True(differGt > 100, $"the ground truth changed only {differGt} pixels");
            Assert.True(differPred > 100, $"the predictions changed only {differPred} pixels");
            Assert.Equal(0, differEmpty);                                        // no prediction drawn: the plain image
            Assert.True(differRows < differGt, $"perfect predictions differ from the ground truth in {differRows} pixels (labels only expected)");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void PredictionMasksMapFromTheOriginalSizeToTheWorkingSquare()
    {
        // A 64x32 (w x h) image in a 32 px square: scaled to 32x16 at the top-left. The left half of the original is set.
        var geo = new ImagePlacement(1, Width: 64, Height: 32, ScaledWidth: 32, ScaledHeight: 16);
        var full = new byte[32 * 64];
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) full[y * 64 + x] = 1;
        var det = new CocoAnnotation { ImageId = 1, CategoryId = 1, Score = 1, Segmentation = CocoSegmentation.FromRle(Rle.EncodeRowMajor(full, 32, 64)) };
        var mask = StudyFigures.ToWorking(det, geo, 32);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                Assert.Equal(y < 16 && x < 16 ? 1 : 0, mask[y * 32 + x]);
        var up = StudyFigures.Upscale(new byte[] { 1, 0, 0, 1 }, 2, 2, 2);
        Assert.Equal(new[] { true, true, false, false, true, true, false, false, false, false, true, true, false, false, true, true }, up);
    }

    [Fact]
    public void WriteStudyWritesBarsCurvesLossAndOverlaysAsPngAndHtml()
    {
        string dir = Temp();
        try
        {
            var set = FakeStudy.Stills(Path.Combine(dir, "stills"));
            var paths = new StudyPaths(Path.Combine(dir, "study"), Path.Combine(dir, "tok"), Path.Combine(dir, "tok2"));
            var folder = new FigureFolder(StudyFigures.FolderOf(paths));
            Assert.Throws<FileNotFoundException>(() => StudyFigures.WriteStudy(paths, set, folder));
            FakeStudy.Write(paths, set);

            var run = StudyFigures.LoadRun(paths, set, "a", 0);
            Assert.Equal(1.0, run.Coco.Stats[0], 9);
            Assert.Equal(100, run.Metrics.AP, 6);
            var e = Assert.Throws<FileNotFoundException>(() => StudyFigures.LoadRun(paths, set, "b", 0));
            Assert.Contains("magvitseg study", e.Message);

            var files = StudyFigures.WriteStudy(paths, set, folder).Select(Path.GetFileName).ToList();
            Assert.Equal(new[]
            {
                "study-bars.png", "study-bars.html", "pr-a-seed0.png", "pr-a-seed0.html", "per-category-ap-a-seed0.png",
                "per-category-ap-a-seed0.html", "confusion-a-seed0.png", "confusion-a-seed0.html", "head-loss-a-seed0.png", "head-loss-a-seed0.html", "overlays-a-seed0.png",
            }, files);
            foreach (var f in files) Assert.True(File.Exists(Path.Combine(folder.Directory, f!)), f);
            string html = File.ReadAllText(Path.Combine(folder.Directory, "study-bars.html"));
            Assert.Contains("plotly.js v4.1.2", html);
            Assert.Contains("Plotly.newPlot", html);
            var loss = StudyFigures.HeadLoss(run.MetricsCsv, run.Label);
            Assert.Equal(new[] { "total", "class", "mask BCE", "dice" }, loss.Traces.Select(t => t.Name));
            Assert.True(loss.Layout.LogY);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    internal static string Temp()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-figs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
