using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Tests.Evaluation;

public class SemanticMiouTests
{
    private static CocoAnnotation Ann(long id, long cat, double[] poly, bool crowd = false, double score = 1, long image = 1) => new()
    {
        Id = id, ImageId = image, CategoryId = cat, IsCrowd = crowd, Score = score, Area = 1,
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

    [Fact]
    public void CountsMatchPaintedPixelMapsOnRandomOverlappingMasks()
    {
        // An independent count: every mask painted into pixel maps (Rle.Decode), then counted pixel by pixel.
        var rng = new Random(7);
        double[] Blob(int w, int h)
        {
            double x = rng.NextDouble() * w, y = rng.NextDouble() * h, bw = 2 + rng.NextDouble() * w / 2, bh = 2 + rng.NextDouble() * h / 2;
            return new[] { x, y, x + bw, y + rng.NextDouble() * bh, x + bw * rng.NextDouble(), y + bh };
        }
        var images = new[] { new CocoImage(1, 31, 23, "a"), new CocoImage(2, 17, 40, "b"), new CocoImage(3, 25, 25, "c") };
        var gts = new List<CocoAnnotation>(); var dts = new List<CocoAnnotation>();
        foreach (var img in images)
        {
            for (int j = 0; j < 7; j++)
                gts.Add(Ann(gts.Count + 1, 1 + rng.Next(3), Blob(img.Width, img.Height), crowd: j == 0, image: img.Id));
            for (int j = 0; j < 9; j++)
                dts.Add(Ann(dts.Count + 1, 1 + rng.Next(4), Blob(img.Width, img.Height), score: rng.NextDouble(), image: img.Id));
        }
        var cats = new[] { new CocoCategory(1, "a", ""), new CocoCategory(2, "b", ""), new CocoCategory(3, "c", "") };
        var gt = new CocoDataset("gt", images, gts, cats);
        var counts = SemanticMiou.PerImage(gt, dts, 0.5);
        long ignored = 0;   // instance pixels inside crowd regions: the case that needs the crowd handled
        for (int i = 0; i < images.Length; i++)
        {
            var img = images[i];
            byte[] Paint(IEnumerable<CocoAnnotation> anns)
            {
                var m = new byte[img.Width * img.Height];
                foreach (var a in anns)
                {
                    var px = a.Segmentation!.ToRle(img.Height, img.Width).Decode();
                    for (int p = 0; p < m.Length; p++) m[p] |= px[p];
                }
                return m;
            }
            var crowd = Paint(gts.Where(g => g.ImageId == img.Id && g.IsCrowd));
            for (int k = 0; k < cats.Length; k++)
            {
                var gm = Paint(gts.Where(g => g.ImageId == img.Id && !g.IsCrowd && g.CategoryId == cats[k].Id));
                var pm = Paint(dts.Where(d => d.ImageId == img.Id && d.Score >= 0.5 && d.CategoryId == cats[k].Id));
                long inter = 0, union = 0, gtPix = 0;
                for (int p = 0; p < gm.Length; p++)
                    if (crowd[p] == 0) { inter += gm[p] & pm[p]; union += gm[p] | pm[p]; gtPix += gm[p]; }
                    else ignored += gm[p] | pm[p];
                Assert.Equal(inter, counts.Intersection[i][k]);
                Assert.Equal(union, counts.Union[i][k]);
                Assert.Equal(gtPix, counts.GroundTruth[i][k]);
            }
        }
        Assert.True(ignored > 0);
        Assert.True(counts.Intersection.Sum(r => r.Sum()) > 0);
    }
}
