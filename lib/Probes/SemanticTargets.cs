using MagvitSeg.Data.Coco;

namespace MagvitSeg.Probes;

/// <summary>
/// Semantic label maps from instance annotations, for the dense probes: 0 is background, class index c is label c + 1,
/// and <see cref="Ignore"/> marks pixels that neither train nor score. Rules: crowd regions are ignored (as in
/// <see cref="Evaluation.SemanticMiou"/> and COCO); where instances overlap, the pixel takes the class of the smallest
/// instance covering it (instances are painted largest first: a small object in front of a large one is the usual
/// reason for an overlap); the padding of a letterboxed working image is ignored.
/// </summary>
public static class SemanticTargets
{
    /// <summary>The label of pixels that are left out of the loss and the scores.</summary>
    public const int Ignore = -100;

    /// <summary>Image <paramref name="index"/> of <paramref name="set"/> at the working resolution S, row-major [S*S].</summary>
    public static long[] Working(CocoImageSet set, int index)
    {
        var t = set.Targets[index];
        int plane = set.Size * set.Size;
        var labels = new long[plane];
        var areas = Enumerable.Range(0, t.Count).Select(m => (m, area: t.Masks.AsSpan(m * plane, plane).Count((byte)1))).ToList();
        foreach (var (m, _) in areas.OrderByDescending(a => a.area).ThenBy(a => a.m))
        {
            var mask = t.Masks.AsSpan(m * plane, plane);
            for (int p = 0; p < plane; p++) if (mask[p] != 0) labels[p] = t.Classes[m] + 1;
        }
        for (int p = 0; p < plane; p++) if (t.Ignore[p] != 0) labels[p] = Ignore;
        return labels;
    }

    /// <summary>
    /// Image <paramref name="imageId"/> of <paramref name="gt"/> at its original size, row-major [H*W]; categories map to
    /// their position in <paramref name="categoryIds"/> (others are left as background, as the head cannot predict them).
    /// </summary>
    public static long[] Full(CocoDataset gt, long imageId, IReadOnlyList<long> categoryIds, IReadOnlyList<CocoAnnotation> annotations)
    {
        var img = gt.ImageById[imageId];
        int n = img.Height * img.Width;
        var labels = new long[n];
        var index = categoryIds.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        var masks = annotations.Where(a => a.Segmentation is not null)
            .Select((a, order) => (a, order, mask: a.Segmentation!.ToRle(img.Height, img.Width).DecodeRowMajor())).ToList();
        foreach (var (a, _, mask) in masks.Where(m => !m.a.IsCrowd && index.ContainsKey(m.a.CategoryId))
                     .OrderByDescending(m => m.mask.Count(v => v != 0)).ThenBy(m => m.order))
        {
            long label = index[a.CategoryId] + 1;
            for (int p = 0; p < n; p++) if (mask[p] != 0) labels[p] = label;
        }
        foreach (var (_, _, mask) in masks.Where(m => m.a.IsCrowd))
            for (int p = 0; p < n; p++) if (mask[p] != 0) labels[p] = Ignore;
        return labels;
    }
}
