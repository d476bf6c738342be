using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Study;

namespace MagvitSeg.Tests.Study;

public class HeadEvaluationTests
{
    private static CocoSegmentation Square(int x0, int y0, int side)
    {
        var mask = new byte[10 * 10];
        for (int y = y0; y < y0 + side; y++) for (int x = x0; x < x0 + side; x++) mask[y * 10 + x] = 1;
        return CocoSegmentation.FromRle(Rle.EncodeRowMajor(mask, 10, 10));
    }

    [Fact]
    public void ClassAgnosticApCountsOneDetectionPerQueryMask()
    {
        var gt = new CocoDataset("gt", new[] { new CocoImage(1, 10, 10, "a") },
            new[]
            {
                new CocoAnnotation { Id = 1, ImageId = 1, CategoryId = 1, Segmentation = Square(0, 0, 4), Area = 16 },
                new CocoAnnotation { Id = 2, ImageId = 1, CategoryId = 2, Segmentation = Square(5, 5, 4), Area = 16 },
            },
            new[] { new CocoCategory(1, "a", ""), new CocoCategory(2, "b", "") });
        // Query 1 on the first square says class 2 (0.9) and class 1 (0.85); query 2 on the second square says class 1 (0.8).
        var dets = new List<CocoAnnotation>
        {
            new() { ImageId = 1, CategoryId = 2, Score = 0.9, Segmentation = Square(0, 0, 4) },
            new() { ImageId = 1, CategoryId = 1, Score = 0.85, Segmentation = Square(0, 0, 4) },
            new() { ImageId = 1, CategoryId = 1, Score = 0.8, Segmentation = Square(5, 5, 4) },
        };
        CocoJson.CompleteResults(dets, "dt", gt);

        var one = HeadEvaluation.OnePerMask(dets);
        Assert.Equal(new[] { 0.9, 0.8 }, one.Select(d => d.Score));
        var agnostic = new CocoEvaluator(gt, one, IouType.Segm, new CocoEvalParams { UseCats = false }).Run();
        Assert.Equal(1.0, agnostic.Stats[0], 12);
        // Keeping the 0.85 copy would put a false positive between the two hits: precision 2/3 at full recall,
        // AP = (51 x 1 + 50 x 2/3) / 101 at every IoU threshold.
        var copies = new CocoEvaluator(gt, dets, IouType.Segm, new CocoEvalParams { UseCats = false }).Run();
        Assert.Equal((51 + 50 * 2.0 / 3) / 101, copies.Stats[0], 9);
        // With classes the copies are what Mask2Former's inference is for: the 0.85 copy finds category 1 (AP 1, the
        // 0.8 one is a later false positive) and category 2 has only a detection on the wrong square (AP 0).
        Assert.Equal(0.5, new CocoEvaluator(gt, dets, IouType.Segm).Run().Stats[0], 12);
    }
}
