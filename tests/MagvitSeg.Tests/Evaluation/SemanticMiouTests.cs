using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Tests.Evaluation;

public class SemanticMiouTests
{
    private static CocoAnnotation Ann(long id, long cat, double[] poly, bool crowd = false, double score = 1) => new()
    {
        Id = id, ImageId = 1, CategoryId = cat, IsCrowd = crowd, Score = score, Area = 1,
        Segmentation = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = new[] { poly } },
    };

    private static double[] Box(double x0, double y0, double x1, double y1) => new[] { x0, y0, x1, y0, x1, y1, x0, y1 };

    [Fact]
    public void HandComputedTwoCategories()
    {
        var gt = new CocoDataset("gt", new[] { new CocoImage(1, 10, 10, "a") },
            new[] { Ann(1, 1, Box(0, 0, 4, 4)), Ann(2, 2, Box(5, 5, 10, 10)), Ann(3, 2, Box(0, 6, 2, 10), crowd: true) },
            new[] { new CocoCategory(1, "a", ""), new CocoCategory(2, "b", ""), new CocoCategory(3, "c", "") });
        var dt = new[]
        {
            Ann(1, 1, Box(2, 0, 6, 4), score: 0.9),   // cat 1: pred 16 px, gt 16 px, overlap 8 -> 8/24
            Ann(2, 2, Box(5, 5, 10, 10), score: 0.6), // cat 2: exact -> 1
            Ann(3, 2, Box(0, 0, 10, 10), score: 0.4), // below the 0.5 threshold: ignored
            Ann(4, 3, Box(0, 0, 2, 2), score: 0.9),   // cat 3 has no GT: not averaged
        };
        var r = SemanticMiou.Compute(gt, dt);
        Assert.Equal(8.0 / 24, r.PerCategory[1], 12);
        Assert.Equal(1.0, r.PerCategory[2], 12);
        Assert.False(r.PerCategory.ContainsKey(3));
        Assert.Equal((8.0 / 24 + 1) / 2, r.MIoU, 12);
        // Lowering the threshold brings in the full-image box of cat 2: union 100 minus the 8 crowd pixels,
        // intersection 25 -> 25/92
        Assert.Equal(25.0 / 92, SemanticMiou.Compute(gt, dt, 0.3).PerCategory[2], 12);
    }
}
