using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Tests.Evaluation;

public class ClassConfusionTests
{
    private static CocoAnnotation Ann(long id, long image, long cat, double[] poly, bool crowd = false, double score = 1) => new()
    {
        Id = id, ImageId = image, CategoryId = cat, IsCrowd = crowd, Score = score, Area = 1,
        Segmentation = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = new[] { poly } },
    };

    private static double[] Box(double x0, double y0, double x1, double y1) => new[] { x0, y0, x1, y0, x1, y1, x0, y1 };

    private static CocoDataset Gt() => new("gt", new[] { new CocoImage(1, 10, 10, "a"), new CocoImage(2, 10, 10, "b") },
        new[]
        {
            Ann(1, 1, 1, Box(0, 0, 5, 5)),                // found by the cat-2 detection (the best-scoring overlap)
            Ann(2, 1, 2, Box(5, 5, 10, 10)),              // found by a cat-2 detection at IoU 20/25
            Ann(3, 2, 1, Box(0, 0, 2, 2)),                // nothing overlaps: missed
            Ann(4, 2, 2, Box(4, 4, 10, 10), crowd: true), // crowd: not counted
        },
        new[] { new CocoCategory(2, "square", ""), new CocoCategory(1, "circle", "") });

    [Fact]
    public void HandCountedCase()
    {
        var dt = new[]
        {
            Ann(1, 1, 2, Box(0, 0, 5, 5), score: 0.9),    // exact on gt 1 with the wrong class, and the best score
            Ann(2, 1, 1, Box(0, 0, 5, 5), score: 0.5),    // exact on gt 1 with the right class, but ranked second
            Ann(3, 1, 2, Box(5, 6, 10, 10), score: 0.8),  // gt 2: 20 of 25 pixels, IoU 0.8
            Ann(4, 1, 1, Box(7, 5, 10, 10), score: 0.95), // gt 2: IoU 15/25 = 0.6 with the wrong class, and the best score
            Ann(5, 2, 2, Box(6, 6, 10, 10), score: 0.9),  // only the crowd region
        };
        var r = ClassConfusion.Compute(Gt(), dt);
        Assert.Equal(new long[] { 1, 2 }, r.CategoryIds);
        Assert.Equal(new[] { "circle", "square" }, r.Names);
        Assert.Equal(3, r.Total);
        Assert.Equal(1, r.Missed);
        // gt 1 (circle) -> detection 1 (square); gt 2 (square) -> detection 4 (circle, IoU 0.6 >= 0.5, best score).
        Assert.Equal(new long[,] { { 0, 1 }, { 1, 0 } }, r.Counts);
        Assert.Equal(0.0, r.Accuracy);

        // At IoU 0.7 detection 4 no longer counts for gt 2 and detection 3 (square) finds it.
        var strict = ClassConfusion.Compute(Gt(), dt, iouThreshold: 0.7);
        Assert.Equal(new long[,] { { 0, 1 }, { 0, 1 } }, strict.Counts);
        Assert.Equal(0.5, strict.Accuracy);

        // Keeping only the best detection per image leaves gt 1 missed (detection 4 does not overlap it).
        var top1 = ClassConfusion.Compute(Gt(), dt, maxDetections: 1);
        Assert.Equal(2, top1.Missed);
        Assert.Equal(new long[,] { { 0, 0 }, { 1, 0 } }, top1.Counts);
    }

    [Fact]
    public void NothingFoundGivesNaNAccuracyAndUnknownCategoriesAreNamed()
    {
        var none = ClassConfusion.Compute(Gt(), Array.Empty<CocoAnnotation>());
        Assert.Equal(3, none.Missed);
        Assert.True(double.IsNaN(none.Accuracy));
        var bad = new[] { Ann(7, 1, 9, Box(0, 0, 5, 5), score: 0.9) };
        var e = Assert.Throws<InvalidDataException>(() => ClassConfusion.Compute(Gt(), bad));
        Assert.Contains("category_id 9", e.Message);
        Assert.Contains("detection 7", e.Message);
    }
}
