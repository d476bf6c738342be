using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using static TorchSharp.torch;

namespace MagvitSeg.Probes;

/// <summary>
/// Scores a dense probe at full resolution: its logits are up-sampled bilinearly to the working image, cropped to the
/// image's box in the letterboxed square, resized bilinearly to the original size, and the arg-max is compared with the
/// label map of the instance annotations (<see cref="SemanticTargets.Full"/>), ignored pixels left out. Counts are kept
/// per image and category (background excluded), so mIoU means what it means for the query head
/// (<see cref="SemanticMiou"/>: over the categories with ground truth in the split) and can be bootstrapped.
/// </summary>
public static class DenseProbeEvaluation
{
    /// <summary>Per-image intersection/union/ground-truth pixel counts over the images of <paramref name="set"/>.</summary>
    public static IouCounts Score(DenseProbe probe, IReadOnlyList<Tensor> levels, CocoImageSet set, Device device, int chunk = 16)
    {
        int k = set.NumClasses, classes = k + 1;
        var byImage = set.LoadedGt.Annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => (IReadOnlyList<CocoAnnotation>)g.ToList());
        var inter = new long[set.Count][]; var union = new long[set.Count][]; var gtPix = new long[set.Count][];
        probe.eval();
        using var noGrad = no_grad();
        for (int start = 0; start < set.Count; start += chunk)
        {
            int n = Math.Min(chunk, set.Count - start);
            using var scope = NewDisposeScope();
            var feats = levels.Select(l => l.narrow(0, start, n).to(device)).ToList();
            var logits = nn.functional.interpolate(probe.forward(feats), new long[] { set.Size, set.Size }, mode: InterpolationMode.Bilinear, align_corners: false);
            for (int j = 0; j < n; j++)
            {
                var g = set.Geometry[start + j];
                var box = logits.narrow(0, j, 1).narrow(2, 0, g.ScaledHeight).narrow(3, 0, g.ScaledWidth);
                var pred = nn.functional.interpolate(box, new long[] { g.Height, g.Width }, mode: InterpolationMode.Bilinear, align_corners: false)
                    .argmax(1).flatten().cpu();
                var truth = tensor(SemanticTargets.Full(set.LoadedGt, g.ImageId, set.CategoryIds,
                    byImage.GetValueOrDefault(g.ImageId) ?? Array.Empty<CocoAnnotation>()));
                var valid = truth.ne(SemanticTargets.Ignore);
                var pairs = truth.masked_select(valid) * classes + pred.masked_select(valid);
                var confusion = pairs.bincount(null, classes * classes).reshape(classes, classes); // [truth, prediction]
                // Read back once and summed here: the matrix is at most 81 x 81, and views of it (its diagonal) are not
                // what data<T>() reads.
                var m = confusion.contiguous().data<long>().ToArray();
                var (ii, uu, gg) = (new long[k], new long[k], new long[k]);
                for (int c = 1; c <= k; c++)
                {
                    long row = 0, col = 0;
                    for (int o = 0; o < classes; o++) { row += m[c * classes + o]; col += m[o * classes + c]; }
                    long d = m[c * classes + c];
                    (ii[c - 1], uu[c - 1], gg[c - 1]) = (d, row + col - d, row);
                }
                (inter[start + j], union[start + j], gtPix[start + j]) = (ii, uu, gg);
            }
        }
        return new IouCounts(set.CategoryIds.ToArray(), inter, union, gtPix);
    }
}
