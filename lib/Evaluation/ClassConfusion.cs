using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>
/// Where AP is lost: found or missed, and with which class. For every non-crowd ground-truth instance, the
/// highest-scoring detection of its image (any category, among the image's top <c>maxDetections</c>) whose mask IoU
/// with it reaches the threshold is "the detection that found it"; its category fills one cell of the confusion
/// matrix. An instance no detection overlaps enough is missed.
/// </summary>
/// <param name="CategoryIds">Row and column order: the ground truth's category ids, ascending.</param>
/// <param name="Names">Category names in the same order.</param>
/// <param name="Counts">[ground-truth category, detected category] counts of found instances.</param>
/// <param name="Total">Non-crowd ground-truth instances.</param>
/// <param name="Missed">Instances no detection overlaps at the threshold.</param>
public sealed record ClassConfusion(IReadOnlyList<long> CategoryIds, IReadOnlyList<string> Names, long[,] Counts, long Total, long Missed)
{
    /// <summary>Instances some detection found.</summary>
    public long Found => Total - Missed;

    /// <summary>Share of found instances whose finding detection has the right category (NaN when none was found).</summary>
    public double Accuracy
    {
        get
        {
            long right = 0;
            for (int i = 0; i < CategoryIds.Count; i++) right += Counts[i, i];
            return Found == 0 ? double.NaN : (double)right / Found;
        }
    }

    /// <summary>Counts the confusion of <paramref name="detections"/> (with segmentations) against <paramref name="gt"/>.</summary>
    /// <exception cref="InvalidDataException">A detection of a category the ground truth does not have (names the record).</exception>
    public static ClassConfusion Compute(CocoDataset gt, IReadOnlyList<CocoAnnotation> detections, double iouThreshold = 0.5, int maxDetections = 100)
    {
        var ids = gt.Categories.Select(c => c.Id).OrderBy(c => c).ToArray();
        var column = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var byImage = detections.Where(d => d.Segmentation is not null).GroupBy(d => d.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        var counts = new long[ids.Length, ids.Length];
        long total = 0, missed = 0;
        foreach (var group in gt.Annotations.Where(a => !a.IsCrowd && a.Segmentation is not null).GroupBy(a => a.ImageId))
        {
            var img = gt.ImageById[group.Key];
            // Best first; OrderBy is stable, so equal scores keep file order as pycocotools' mergesort does.
            var dets = byImage.TryGetValue(group.Key, out var d)
                ? d.OrderByDescending(x => x.Score).Take(maxDetections).Select(x => (x, rle: x.Segmentation!.ToRle(img.Height, img.Width))).ToList()
                : new();
            foreach (var g in group)
            {
                total++;
                var gRle = g.Segmentation!.ToRle(img.Height, img.Width);
                var hit = dets.FirstOrDefault(p => Rle.Iou(p.rle, gRle, crowd: false) >= iouThreshold).x;
                if (hit is null) { missed++; continue; }
                if (!column.TryGetValue(hit.CategoryId, out int c))
                    throw new InvalidDataException($"detection {hit.Id} (record {hit.Index}) has category_id {hit.CategoryId}, which the ground truth '{gt.Source}' does not define.");
                counts[column[g.CategoryId], c]++;
            }
        }
        var names = ids.Select(id => gt.CategoryById[id].Name).ToArray();
        return new ClassConfusion(ids, names, counts, total, missed);
    }
}
