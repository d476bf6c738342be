namespace MagvitSeg.Evaluation;

/// <summary>
/// Per-image, per-category pixel counts of a semantic comparison: intersection, union and ground-truth pixels, so that
/// mIoU can be re-summed over any multiset of images (a bootstrap resample counts an image drawn twice twice).
/// </summary>
/// <param name="CategoryIds">The categories, in column order.</param>
/// <param name="Intersection">[images][categories] pixels in both the prediction and the ground truth.</param>
/// <param name="Union">[images][categories] pixels in either.</param>
/// <param name="GroundTruth">[images][categories] ground-truth pixels (a category is scored only where the summed images have some).</param>
public sealed record IouCounts(long[] CategoryIds, long[][] Intersection, long[][] Union, long[][] GroundTruth)
{
    /// <summary>Number of images.</summary>
    public int Images => Intersection.Length;

    /// <summary>
    /// IoU per category over the images <paramref name="images"/> (indices, repeats counted as often as they occur; null =
    /// every image once): sum of intersections over sum of unions, NaN for categories without ground-truth pixels there.
    /// </summary>
    public double[] PerCategory(IReadOnlyList<int>? images = null)
    {
        int k = CategoryIds.Length;
        var i = new long[k]; var u = new long[k]; var g = new long[k];
        void Add(int im)
        {
            for (int c = 0; c < k; c++) { i[c] += Intersection[im][c]; u[c] += Union[im][c]; g[c] += GroundTruth[im][c]; }
        }
        if (images is null) for (int im = 0; im < Images; im++) Add(im);
        else foreach (int im in images) Add(im);
        var iou = new double[k];
        for (int c = 0; c < k; c++) iou[c] = g[c] > 0 ? (double)i[c] / u[c] : double.NaN;
        return iou;
    }

    /// <summary>Mean IoU (0..1) over the categories with ground truth in <paramref name="images"/>; NaN when none has any.</summary>
    public double MIoU(IReadOnlyList<int>? images = null)
    {
        var present = PerCategory(images).Where(v => !double.IsNaN(v)).ToArray();
        return present.Length == 0 ? double.NaN : present.Average();
    }
}
