using MagvitSeg.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Where an original image sits in the head's input: the input is InputHeight x InputWidth, the image occupies the
/// valid box (after an aspect-keeping resize), and predictions go back to OriginalHeight x OriginalWidth.
/// </summary>
public sealed record ImageGeometry(int InputHeight, int InputWidth, int ValidX, int ValidY, int ValidWidth, int ValidHeight, int OriginalHeight, int OriginalWidth)
{
    /// <summary>No padding: the whole input is the image, resized to the original size.</summary>
    public static ImageGeometry Full(int inputHeight, int inputWidth, int originalHeight, int originalWidth) =>
        new(inputHeight, inputWidth, 0, 0, inputWidth, inputHeight, originalHeight, originalWidth);

    /// <summary>
    /// An image resized by size / max(H, W) (rounded to whole pixels, at least 1) and padded at the bottom/right to
    /// size x size.
    /// </summary>
    public static ImageGeometry Letterbox(int originalHeight, int originalWidth, int size)
    {
        double scale = (double)size / Math.Max(originalHeight, originalWidth);
        int h = Math.Clamp((int)Math.Round(originalHeight * scale), 1, size), w = Math.Clamp((int)Math.Round(originalWidth * scale), 1, size);
        return new(size, size, 0, 0, w, h, originalHeight, originalWidth);
    }

    internal void Validate()
    {
        if (InputHeight < 1 || InputWidth < 1 || OriginalHeight < 1 || OriginalWidth < 1 || ValidWidth < 1 || ValidHeight < 1 ||
            ValidX < 0 || ValidY < 0 || ValidX + ValidWidth > InputWidth || ValidY + ValidHeight > InputHeight)
            throw new ArgumentException($"ImageGeometry {this}: the valid box must lie inside the input and every size must be positive.");
    }
}

/// <summary>One predicted instance at the original image size.</summary>
/// <param name="Category">Class index 0..K-1 (the head's, not a COCO category id).</param>
/// <param name="Score">Class probability x mean mask probability inside the binarised mask.</param>
/// <param name="Query">The query that produced it.</param>
/// <param name="Height">Mask rows.</param>
/// <param name="Width">Mask columns.</param>
/// <param name="Mask">Row-major 0/1 bytes, Height x Width.</param>
public sealed record InstanceDetection(int Category, double Score, int Query, int Height, int Width, byte[] Mask)
{
    /// <summary>Pixels in the mask.</summary>
    public int Area => Mask.Count(v => v != 0);
}

/// <summary>
/// Mask2Former's instance inference: scores of all (query, class) pairs, top-k, masks bilinearly upsampled to the
/// input, cropped to the valid box, resized to the original size, thresholded, and re-scored by their mean mask
/// probability.
/// </summary>
public static class InstancePredictor
{
    /// <summary>Detections per image, best first.</summary>
    public static List<InstanceDetection>[] Predict(MaskHeadOutput output, IReadOnlyList<ImageGeometry> geometry, PredictConfig? config = null)
    {
        config ??= new PredictConfig();
        config.Validate();
        long b = output.ClassLogits.shape[0];
        if (geometry.Count != b) throw new ArgumentException($"InstancePredictor: {geometry.Count} geometries for a batch of {b} images.");
        var result = new List<InstanceDetection>[b];
        using var noGrad = no_grad();
        for (int i = 0; i < b; i++) result[i] = PredictImage(output.ClassLogits[i], output.MaskLogits[i], geometry[i], config);
        return result;
    }

    /// <summary>One image: class logits [N, K+1] and mask logits [N, Hm, Wm].</summary>
    public static List<InstanceDetection> PredictImage(Tensor classLogits, Tensor maskLogits, ImageGeometry g, PredictConfig config)
    {
        g.Validate();
        using var scope = NewDisposeScope();
        long n = classLogits.shape[0], k = classLogits.shape[1] - 1;
        var probs = classLogits.softmax(-1).narrow(1, 0, k).flatten();                       // [N*K]
        int top = (int)Math.Min(config.TopK, n * k);
        var (scores, idx) = probs.topk(top);
        var classScore = scores.cpu().to(float64).data<double>().ToArray();
        var flat = idx.cpu().data<long>().ToArray();
        var detections = new List<InstanceDetection>(top);
        for (int start = 0; start < top; start += config.Chunk)
        {
            int count = Math.Min(config.Chunk, top - start);
            var queries = flat.Skip(start).Take(count).Select(f => f / k).ToArray();
            var ml = maskLogits.index_select(0, tensor(queries, device: maskLogits.device)).unsqueeze(1).to(float32); // [c, 1, Hm, Wm]
            var full = nn.functional.interpolate(ml, new long[] { g.InputHeight, g.InputWidth }, mode: InterpolationMode.Bilinear, align_corners: false);
            var valid = full.narrow(2, g.ValidY, g.ValidHeight).narrow(3, g.ValidX, g.ValidWidth);
            var orig = nn.functional.interpolate(valid, new long[] { g.OriginalHeight, g.OriginalWidth }, mode: InterpolationMode.Bilinear, align_corners: false)
                .squeeze(1);                                                                 // [c, H, W]
            var prob = orig.sigmoid();
            var bin = prob > config.MaskThreshold;
            var binF = bin.to(float32);
            var maskScore = ((prob * binF).sum(new long[] { 1, 2 }) / (binF.sum(new long[] { 1, 2 }) + 1e-6)).cpu().to(float64).data<double>().ToArray();
            var bytes = bin.to(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray();
            int plane = g.OriginalHeight * g.OriginalWidth;
            for (int j = 0; j < count; j++)
            {
                long f = flat[start + j];
                detections.Add(new InstanceDetection((int)(f % k), classScore[start + j] * maskScore[j], (int)(f / k),
                    g.OriginalHeight, g.OriginalWidth, bytes.AsSpan(j * plane, plane).ToArray()));
            }
            scope.DisposeEverything();
        }
        detections.Sort((a, c) => c.Score.CompareTo(a.Score));
        return config.NmsIou > 0 ? Suppress(detections, QueryMaskIou(maskLogits), (int)n, config.NmsIou) : detections;
    }

    /// <summary>IoU of every pair of queries' binarised masks (logit &gt; 0) at the head's resolution, row-major [N*N].</summary>
    public static double[] QueryMaskIou(Tensor maskLogits)
    {
        using var scope = NewDisposeScope();
        var bin = (maskLogits.flatten(1) > 0).to(float32);                                  // [N, Hm*Wm]
        var inter = bin.matmul(bin.t());                                                     // [N, N]
        var area = bin.sum(1);
        var union = area.unsqueeze(1) + area.unsqueeze(0) - inter;
        return (inter / union.clamp_min(1)).cpu().to(float64).data<double>().ToArray();
    }

    /// <summary>Greedy class-aware NMS over detections sorted best first; <paramref name="iou"/> is indexed by query.</summary>
    public static List<InstanceDetection> Suppress(List<InstanceDetection> sorted, double[] iou, int queries, double threshold)
    {
        var kept = new List<InstanceDetection>(sorted.Count);
        foreach (var d in sorted)
        {
            bool duplicate = false;
            foreach (var k in kept)
                if (k.Category == d.Category && iou[k.Query * queries + d.Query] > threshold) { duplicate = true; break; }
            if (!duplicate) kept.Add(d);
        }
        return kept;
    }
}
