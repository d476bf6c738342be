using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Tests.Data.Synthetic;

public class MovingShapesTests
{
    private static readonly MovingShapes Gen = new(new MovingShapesConfig { Size = 32, Frames = 8, Seed = 5 });

    [Fact]
    public void ClipsAreAPureFunctionOfSeedSplitAndIndex()
    {
        var a = Gen.Render(3);
        Assert.Equal(a.Pixels, Gen.Render(3).Pixels);
        Assert.Equal(a.Instances, Gen.Render(3).Instances);
        Assert.NotEqual(a.Pixels, Gen.Render(4).Pixels);
        Assert.NotEqual(a.Pixels, Gen.Render(3, MovingShapesSplit.Val).Pixels);
        Assert.NotEqual(a.Pixels, new MovingShapes(Gen.Config with { Seed = 6 }).Render(3).Pixels);
        // Rendering a frame range gives the same frames as the full clip.
        var part = Gen.Render(3, MovingShapesSplit.Train, 5, 1);
        Assert.Equal(a.Instances.AsSpan(5 * 32 * 32, 32 * 32).ToArray(), part.Instances);
    }

    [Fact]
    public void ValuesAreInRangeAndLayoutIsCTHW()
    {
        var c = Gen.Render(0);
        Assert.Equal(3 * 8 * 32 * 32, c.Pixels.Length);
        Assert.All(c.Pixels, v => Assert.InRange(v, -1f, 1f));
        using var batch = Gen.Batch(0, 2);
        Assert.Equal(new long[] { 2, 3, 8, 32, 32 }, batch.shape);
        Assert.Equal(c.Pixels[100], batch[0, 0, 0, 3, 4].item<float>()); // pixel 100 = row 3, col 4 of channel 0, frame 0
    }

    [Fact]
    public void ObjectsMoveAndMasksCoverOnlyVisiblePixels()
    {
        var c = Gen.Render(1);
        int HW = 32 * 32;
        // every object is visible somewhere, and the instance map changes over time (motion)
        for (int k = 1; k <= c.ObjectCategories.Length; k++) Assert.Contains((byte)k, c.Instances);
        Assert.NotEqual(c.Instances.AsSpan(0, HW).ToArray(), c.Instances.AsSpan(7 * HW, HW).ToArray());
        // one label per pixel: occlusion gives each pixel to exactly one object, so the masks are disjoint by construction
        // and their areas add up to the foreground
        int fg = c.Instances.Count(v => v != 0);
        int sum = Enumerable.Range(1, c.ObjectCategories.Length).Sum(k => c.Instances.Count(v => v == k));
        Assert.Equal(fg, sum);
    }

    [Theory]
    [InlineData(0, 0.0, 0.0, true)]     // circle centre
    [InlineData(0, 0.8, 0.7, false)]    // outside the unit circle
    [InlineData(1, 0.7, 0.7, true)]     // square corner region
    [InlineData(1, 0.0, 0.9, false)]
    [InlineData(4, 0.1, 0.1, false)]    // ring hole
    [InlineData(4, 0.0, 0.9, true)]
    [InlineData(5, 0.8, 0.0, true)]     // cross arm
    [InlineData(5, 0.6, 0.6, false)]    // between arms
    [InlineData(6, 0.0, 0.7, false)]    // ellipse is flat (semi-axis 0.6)
    [InlineData(6, 0.9, 0.0, true)]
    public void ShapeTestsMatchTheirGeometry(int category, double u, double v, bool inside) =>
        Assert.Equal(inside, MovingShapes.Inside(category, u, v));

    [Fact]
    public void StillsExportLoadsThroughTheCocoPath()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-stills-" + Guid.NewGuid().ToString("N"));
        string json = MovingShapesStills.Export(Gen, dir, "val", MovingShapesSplit.StillsVal, 6);
        var gt = CocoJson.ReadInstances(json);
        Assert.Equal(6, gt.Images.Count);
        Assert.Equal(MovingShapes.Categories, gt.Categories.Select(c => c.Name));
        Assert.NotEmpty(gt.Annotations);
        foreach (var a in gt.Annotations)
        {
            var rle = a.Segmentation!.ToRle(32, 32);
            Assert.Equal(a.Area, rle.Area());
            Assert.Equal(a.Bbox, rle.ToBbox());
            Assert.True(a.Area >= MovingShapesStills.MinVisiblePixels);
        }
        // The ground truth scored against itself is perfect: AP 1.
        var dets = gt.Annotations.Select(a => new CocoAnnotation { ImageId = a.ImageId, CategoryId = a.CategoryId, Score = 1, Segmentation = a.Segmentation }).ToList();
        CocoJson.CompleteResults(dets, "self", gt);
        Assert.Equal(1.0, new CocoEvaluator(gt, dets, IouType.Segm).Run().Stats[0], 9);
        var set = CocoImageSet.Load(json, Path.Combine(dir, "val"), 32);
        Assert.Equal(6, set.Count);
        Assert.Equal(gt.Annotations.Count, set.Targets.Sum(t => t.Count));
        Directory.Delete(dir, true);
    }
}
