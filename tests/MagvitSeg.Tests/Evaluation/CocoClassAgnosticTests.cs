using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Evaluation;

/// <summary>pycocotools' useCats = 0: every category pooled into one (class-agnostic AP).</summary>
public class CocoClassAgnosticTests
{
    private static CocoAnnotation Ann(long id, long cat, double[] poly, double score = 1) => new()
    {
        Id = id, ImageId = 1, CategoryId = cat, Score = score, Area = 16,
        Segmentation = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = new[] { poly } },
    };

    private static double[] Box(double x0, double y0, double x1, double y1) => new[] { x0, y0, x1, y0, x1, y1, x0, y1 };

    [Fact]
    public void RightMasksWithSwappedClassesScoreOnlyWithoutCategories()
    {
        var gt = new CocoDataset("gt", new[] { new CocoImage(1, 10, 10, "a") },
            new[] { Ann(1, 1, Box(0, 0, 4, 4)), Ann(2, 2, Box(5, 5, 10, 10)) },
            new[] { new CocoCategory(1, "a", ""), new CocoCategory(2, "b", "") });
        var dt = new List<CocoAnnotation> { Ann(1, 2, Box(0, 0, 4, 4), 0.9), Ann(2, 1, Box(5, 5, 10, 10), 0.8) };
        CocoJson.CompleteResults(dt, "dt", gt);

        var aware = new CocoEvaluator(gt, dt, IouType.Segm).Run();
        Assert.Equal(0.0, aware.Stats[0], 12);
        var agnostic = new CocoEvaluator(gt, dt, IouType.Segm, new CocoEvalParams { UseCats = false }).Run();
        Assert.Equal(1.0, agnostic.Stats[0], 12);   // both objects found, exact masks
        // maxDets caps the pooled detections of an image, not each category's: at 1 detection only the 0.9 one counts.
        Assert.Equal(0.5, agnostic.Stats[6], 12);   // AR@1
        Assert.Equal(1.0, agnostic.Stats[8], 12);   // AR@100
        Assert.Equal("(all categories)", Assert.Single(agnostic.PerCategory()).Name);
    }

    [Theory]
    [MemberData(nameof(CocoParityTests.Cases), MemberType = typeof(CocoParityTests))]
    public void PoolingEqualsRelabellingEverythingToOneCategory(string caseName, string iouType)
    {
        // pycocotools pools _gts[img, c] and _dts[img, c] over the sorted ground-truth categories; the same evaluation
        // with categories on, after giving every annotation one category in that order (detections of categories the
        // ground truth lacks dropped), must give the same 12 stats.
        string dir = TestData.Fixture($"coco-parity/{caseName}");
        var gt = CocoJson.ReadInstances(Path.Combine(dir, "gt.json"));
        var dt = CocoJson.ReadResults(Path.Combine(dir, "dt.json"), gt);
        var type = iouType == "segm" ? IouType.Segm : IouType.Bbox;
        var agnostic = new CocoEvaluator(gt, dt, type, new CocoEvalParams { UseCats = false }).Run();

        var order = gt.Categories.Select(c => c.Id).Order().Select((id, k) => (id, k)).ToDictionary(p => p.id, p => p.k);
        CocoAnnotation One(CocoAnnotation a) => new()
        {
            Id = a.Id, ImageId = a.ImageId, CategoryId = 1, Segmentation = a.Segmentation, Bbox = a.Bbox, Area = a.Area,
            IsCrowd = a.IsCrowd, Score = a.Score, Index = a.Index,
        };
        List<CocoAnnotation> Relabel(IEnumerable<CocoAnnotation> anns) =>
            anns.Where(a => order.ContainsKey(a.CategoryId)).OrderBy(a => order[a.CategoryId]).Select(One).ToList();
        var gt1 = new CocoDataset(gt.Source, gt.Images, Relabel(gt.Annotations), new[] { new CocoCategory(1, "object", "") });
        var relabelled = new CocoEvaluator(gt1, Relabel(dt), type).Run();

        Assert.True(gt.Categories.Count > 1, "the fixture should have several categories");
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(relabelled.Stats[i] - agnostic.Stats[i]) <= 1e-12,
                $"{caseName} {iouType} stat {i}: relabelled {relabelled.Stats[i]:R}, pooled {agnostic.Stats[i]:R}");
        var aware = new CocoEvaluator(gt, dt, type).Run();
        Assert.NotEqual(aware.Stats[0], agnostic.Stats[0]);
    }
}
