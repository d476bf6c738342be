using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>
/// A synthetic evaluation workload shaped like pycocotools-timing.md's "large" case: 640x480 images, about 20 GT
/// polygons each (15 % multi-part), exactly 100 detections per image (compressed RLE + bbox) over 6 categories.
/// Seeded, so benchmark runs compare like with like.
/// </summary>
public static class CocoWorkload
{
    /// <summary>Generates the ground truth and the (loadRes-completed) detections.</summary>
    public static (CocoDataset Gt, List<CocoAnnotation> Dt) Generate(int images = 1000, int seed = 0)
    {
        const int W = 640, H = 480, Cats = 6;
        var rng = new Random(seed);
        var imgs = new List<CocoImage>();
        var gts = new List<CocoAnnotation>();
        var dts = new List<CocoAnnotation>();
        long annId = 1;
        for (int i = 0; i < images; i++)
        {
            long imgId = i + 1;
            imgs.Add(new CocoImage(imgId, W, H, $"{imgId:D12}.jpg"));
            int nGt = 15 + rng.Next(11);
            var objects = new List<(double[] Box, long Cat)>();
            for (int g = 0; g < nGt; g++)
            {
                long cat = 1 + rng.Next(Cats);
                double bw = 8 + rng.NextDouble() * 200, bh = 8 + rng.NextDouble() * 200;
                double x = rng.NextDouble() * (W - bw), y = rng.NextDouble() * (H - bh);
                var polys = new List<double[]> { Blob(rng, x, y, bw, bh) };
                if (rng.NextDouble() < 0.15) polys.Add(Blob(rng, x + bw * 0.5, y + bh * 0.5, bw * 0.4, bh * 0.4));
                var seg = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = polys.ToArray() };
                var rle = seg.ToRle(H, W);
                gts.Add(new CocoAnnotation { Id = annId++, ImageId = imgId, CategoryId = cat, Segmentation = seg, Area = rle.Area(), Bbox = rle.ToBbox(), Index = gts.Count });
                objects.Add((new[] { x, y, bw, bh }, cat));
            }
            for (int d = 0; d < 100; d++)
            {
                // Most detections are jittered copies of a GT object (some with the wrong class), the rest are noise.
                var (b, cat) = objects[rng.Next(objects.Count)];
                if (rng.NextDouble() < 0.2) cat = 1 + rng.Next(Cats);
                double j = rng.NextDouble() < 0.7 ? 0.1 : 0.6;
                double bw = Math.Max(4, b[2] * (1 + j * (rng.NextDouble() - 0.5))), bh = Math.Max(4, b[3] * (1 + j * (rng.NextDouble() - 0.5)));
                double x = Math.Clamp(b[0] + j * b[2] * (rng.NextDouble() - 0.5), 0, W - bw), y = Math.Clamp(b[1] + j * b[3] * (rng.NextDouble() - 0.5), 0, H - bh);
                var rle = Rle.FromPolygon(Blob(rng, x, y, bw, bh), H, W);
                dts.Add(new CocoAnnotation
                {
                    ImageId = imgId, CategoryId = cat, Score = Math.Round(rng.NextDouble(), 3), Index = dts.Count,
                    Segmentation = CocoSegmentation.FromRle(rle), Bbox = rle.ToBbox(),
                });
            }
        }
        var cats = Enumerable.Range(1, Cats).Select(c => new CocoCategory(c, $"class{c}", "")).ToList();
        var gt = new CocoDataset("synthetic-workload", imgs, gts, cats);
        CocoJson.CompleteResults(dts, "synthetic-workload-results", gt);
        return (gt, dts);
    }

    // An irregular 12-gon inscribed in the box.
    private static double[] Blob(Random rng, double x, double y, double w, double h)
    {
        var p = new double[24];
        for (int k = 0; k < 12; k++)
        {
            double a = 2 * Math.PI * k / 12, r = 0.75 + 0.25 * rng.NextDouble();
            p[2 * k] = x + w / 2 + Math.Cos(a) * r * w / 2;
            p[2 * k + 1] = y + h / 2 + Math.Sin(a) * r * h / 2;
        }
        return p;
    }
}
