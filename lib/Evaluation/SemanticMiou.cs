using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>Per-category and mean IoU of the semantic masks derived from instances.</summary>
/// <param name="MIoU">Mean IoU over categories with ground truth (0..1; NaN when no category has any).</param>
/// <param name="PerCategory">IoU per category id, for categories with ground-truth pixels.</param>
public sealed record SemanticMiouResult(double MIoU, IReadOnlyDictionary<long, double> PerCategory);

/// <summary>
/// Semantic mIoU computed from instance predictions. For every image and category, the semantic prediction is the
/// union of the predicted masks with score &gt;= <c>scoreThreshold</c> and the semantic ground truth is the union of
/// the non-crowd ground-truth masks; pixels inside crowd regions are ignored in both. Intersections and unions are
/// summed over the whole split per category; a category's IoU is I/U, and mIoU averages it over the categories that
/// have ground-truth pixels in the split (a category only predicted adds nothing, as in semantic-segmentation mIoU
/// over present classes).
/// </summary>
public static class SemanticMiou
{
    /// <summary>Computes mIoU for detections (with segmentations) against a ground truth.</summary>
    public static SemanticMiouResult Compute(CocoDataset gt, IReadOnlyList<CocoAnnotation> dt, double scoreThreshold = 0.5)
    {
        var counts = PerImage(gt, dt, scoreThreshold);
        var iou = counts.PerCategory();
        var per = new SortedDictionary<long, double>();
        for (int c = 0; c < iou.Length; c++) if (!double.IsNaN(iou[c])) per[counts.CategoryIds[c]] = iou[c];
        return new SemanticMiouResult(per.Count == 0 ? double.NaN : per.Values.Average(), per);
    }

    /// <summary>
    /// The same comparison kept per image (ground-truth images in id order, categories in id order; categories only
    /// predicted are left out, as they add nothing to mIoU), so that it can be re-summed over bootstrap resamples.
    /// </summary>
    public static IouCounts PerImage(CocoDataset gt, IReadOnlyList<CocoAnnotation> dt, double scoreThreshold = 0.5)
    {
        var images = gt.Images.Select(i => i.Id).Distinct().Order().ToArray();
        var cats = gt.Categories.Select(c => c.Id).Distinct().Order().ToArray();
        var catIndex = cats.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        var byImage = new Dictionary<long, (List<CocoAnnotation> G, List<CocoAnnotation> D)>();
        foreach (var g in gt.Annotations) Slot(byImage, g.ImageId).G.Add(g);
        foreach (var d in dt) if (d.Score >= scoreThreshold && d.Segmentation is not null) Slot(byImage, d.ImageId).D.Add(d);
        long[][] Zeros() => images.Select(_ => new long[cats.Length]).ToArray();
        long[][] inter = Zeros(), union = Zeros(), gtPixels = Zeros();
        // Counted on the runs (rleMerge, rleArea) rather than on painted pixel maps: a 640x480 image's maps are 300 kB per
        // category, and painting and scanning them took most of a 1000-image `eval --json`.
        Parallel.For(0, images.Length, row =>
        {
            if (!byImage.TryGetValue(images[row], out var both)) return;
            var img = gt.ImageById[images[row]];
            var (G, D) = both;
            var crowd = Union(G.Where(g => g.IsCrowd && g.Segmentation is not null), img);
            // Pixels of x outside every crowd region.
            long Counted(Rle x) => x.Area() - Rle.Merge([x, crowd], intersect: true).Area();
            foreach (long cat in G.Where(g => !g.IsCrowd).Select(g => g.CategoryId).Concat(D.Select(d => d.CategoryId)).Distinct())
            {
                if (!catIndex.TryGetValue(cat, out int k)) continue;
                var gm = Union(G.Where(g => !g.IsCrowd && g.CategoryId == cat && g.Segmentation is not null), img);
                var pm = Union(D.Where(d => d.CategoryId == cat), img);
                inter[row][k] = Counted(Rle.Merge([gm, pm], intersect: true));
                union[row][k] = Counted(Rle.Merge([gm, pm]));
                gtPixels[row][k] = Counted(gm);
            }
        });
        return new IouCounts(cats, inter, union, gtPixels);
    }

    private static (List<CocoAnnotation> G, List<CocoAnnotation> D) Slot(Dictionary<long, (List<CocoAnnotation>, List<CocoAnnotation>)> d, long img)
    {
        if (!d.TryGetValue(img, out var s)) d[img] = s = (new List<CocoAnnotation>(), new List<CocoAnnotation>());
        return s;
    }

    // The union of the annotations' masks at the image's size (an empty mask when there are none).
    private static Rle Union(IEnumerable<CocoAnnotation> anns, CocoImage img)
    {
        var rles = new List<Rle>();
        foreach (var a in anns)
        {
            var rle = a.Segmentation!.ToRle(img.Height, img.Width);
            if (rle.H != img.Height || rle.W != img.Width)
                throw new InvalidDataException($"annotation {a.Id}: a mask of size {rle.H}x{rle.W} does not match image {img.Id} ({img.Height}x{img.Width}).");
            rles.Add(rle);
        }
        return rles.Count > 0 ? Rle.Merge(rles) : new Rle(img.Height, img.Width, [(uint)((long)img.Height * img.Width)]);
    }
}
