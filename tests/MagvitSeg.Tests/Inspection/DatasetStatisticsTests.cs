using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Inspection;
using MagvitSeg.Runtime;
using MagvitSeg.Viz;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Inspection;

public class DatasetStatisticsTests
{
    private static CocoDataset Small()
    {
        var images = new[] { new CocoImage(1, 10, 10, "a.png"), new CocoImage(2, 20, 10, "b.png"), new CocoImage(3, 10, 10, "c.png") };
        var cats = new[] { new CocoCategory(1, "cat", "animal"), new CocoCategory(2, "dog", "animal"), new CocoCategory(3, "fish", "animal") };
        var anns = new[]
        {
            new CocoAnnotation { Id = 1, ImageId = 1, CategoryId = 2, Area = 50 },
            new CocoAnnotation { Id = 2, ImageId = 1, CategoryId = 2, Area = 10 },
            new CocoAnnotation { Id = 3, ImageId = 2, CategoryId = 1, Area = 100 },
            new CocoAnnotation { Id = 4, ImageId = 2, CategoryId = 1, Area = 30, IsCrowd = true },
        };
        return new CocoDataset("test", images, anns, cats);
    }

    [Fact]
    public void CountsInstancesAreasAndCategoriesWithoutCrowd()
    {
        var s = DatasetStatistics.From("small", Small());
        Assert.Equal(3, s.Images);
        Assert.Equal(1, s.Crowd);
        Assert.Equal(3, s.Instances);
        Assert.Equal(new[] { 2, 1, 0 }, s.InstancesPerImage);
        Assert.Equal(new[] { 50.0, 10, 100 }, s.Areas);
        Assert.Equal(new[] { 0.5, 0.1, 0.5 }, s.RelativeAreas);
        Assert.Equal(new[] { ("dog", 2), ("cat", 1), ("fish", 0) }, s.PerCategory);
        var summary = DatasetStatistics.Summary(new[] { s });
        Assert.Equal(1L, summary.Rows.Count);
        Assert.Equal(1.0, (double)summary["instances/image"][0]!, 12);
        Assert.Equal(50.0, (double)summary["median area (px)"][0]!, 12);
        Assert.Equal(3, (int)summary["small"][0]!);
        Assert.Equal(2, (int)summary["categories used"][0]!);
        Assert.Equal(2, (int)s.CategoryTable(top: 1)["instances"][0]!);
    }

    [Fact]
    public void ChartsShareOfImagesAndInstances()
    {
        var s = DatasetStatistics.From("small", Small());
        var perImage = DatasetStatistics.InstancesPerImageChart(new[] { s });
        var bars = Assert.IsType<BarTrace>(Assert.Single(perImage.Traces));
        Assert.Equal(new[] { "0", "1", "2" }, bars.Categories);
        Assert.Equal(100.0 / 3, bars.Y[0], 9);
        var area = DatasetStatistics.AreaChart(new[] { s }, bins: 4);
        var line = Assert.IsType<LineTrace>(Assert.Single(area.Traces));
        Assert.Equal(100.0, line.Y.Sum(), 9);
        Assert.Equal(2, s.CategoryChart(top: 2).Traces.OfType<BarTrace>().Single().Categories.Length);
        Assert.Equal(2.5, DatasetStatistics.Quantile(new[] { 4.0, 1, 2, 3 }, 0.5), 12);
    }

    [Fact]
    public void StillsAndCocoTinyLoadAndDrawWithTheirInstances()
    {
        var stills = DatasetViews.LoadStills(new MovingShapes(new MovingShapesConfig { Size = 32, Frames = 4 }), count: 3);
        Assert.Equal(3, stills.Count);
        Assert.True(stills.Targets.All(t => t.Count >= 1));
        var grid = DatasetViews.OverlayGrid(stills, new[] { 0, 1, 2 }, columns: 2, scale: 2);
        // 2 columns of 64 px plus three 2-px gaps; 2 rows.
        Assert.Equal((2 * 64 + 3 * 2, 2 * 64 + 3 * 2), (grid.Width, grid.Height));

        var (annotations, images) = TestData.CocoMiniSplit("val");
        var set = CocoImageSet.Load(annotations, images, 64, maxImages: 2);
        using var bmp = DatasetViews.OverlayGrid(set, new[] { 0, 1 }, columns: 2).Decode();
        Assert.InRange(bmp.Width, 64, 2 * 64 + 3 * 2); // letterboxed: the longer side is 64

        var clip = new MovingShapes(new MovingShapesConfig { Size = 16, Frames = 3 }).Render(0);
        var strip = DatasetViews.ClipOverlayStrip(clip, scale: 2);
        Assert.Equal(3 * 32 + 4 * 2, strip.Width);
        var clips = new MovingShapes(new MovingShapesConfig { Size = 16, Frames = 3 }).Batch(0, 2);
        Assert.True(DatasetViews.ClipGrid(clips, scale: 1).Height > 2 * 16);
    }
}
