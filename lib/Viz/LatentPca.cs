using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>
/// Latent features [C, h, w] as an RGB picture: the projections on the 3 top principal components (over the
/// h*w positions) become R, G, B, each min-max normalised to [0, 1]. Signs are fixed so that each component's
/// largest-magnitude loading is positive, which makes the colours deterministic.
/// </summary>
public static class LatentPca
{
    /// <summary>The RGB projection [3, h, w] in [0, 1] (float32, CPU). Fewer than 3 channels leave the missing ones at 0.5.</summary>
    public static Tensor Project(Tensor features)
    {
        if (features.dim() != 3) throw new ArgumentException($"Expected features [C, h, w], got [{string.Join(", ", features.shape)}].", nameof(features));
        using var scope = NewDisposeScope();
        long c = features.shape[0], h = features.shape[1], w = features.shape[2];
        var x = features.detach().to(ScalarType.Float64).cpu().reshape(c, h * w).t(); // [N, C]
        x = x - x.mean(new long[] { 0 }, keepdim: true);                             // [N, C] centred
        var (_, _, vh) = linalg.svd(x, fullMatrices: false);                          // vh: [min(N, C), C]
        int k = (int)Math.Min(3, vh.shape[0]);
        var v = vh[..k];                                                              // [k, C]
        var pivot = v.abs().argmax(1, keepdim: true);                                 // [k, 1]
        var sign = v.gather(1, pivot).sign();                                         // [k, 1]
        sign = where(sign.eq(0), ones_like(sign), sign);
        var proj = x.matmul((v * sign).t());                                          // [N, k]
        var lo = proj.amin(new long[] { 0 }, keepdim: true);                          // [1, k]
        var hi = proj.amax(new long[] { 0 }, keepdim: true);                          // [1, k]
        var span = hi - lo;
        // A component with no spread (constant features) is drawn mid-grey rather than dividing by zero.
        var norm = where(span.gt(1e-12), (proj - lo) / where(span.gt(1e-12), span, ones_like(span)), full_like(proj, 0.5));
        var rgb = full(new long[] { h * w, 3 }, 0.5, dtype: ScalarType.Float64);     // [N, 3]
        rgb[TensorIndex.Colon, TensorIndex.Slice(0, k)] = norm;
        var result = rgb.t().reshape(3, h, w).to(ScalarType.Float32);                // [3, h, w]
        return scope.MoveToOuter(result);
    }

    /// <summary>PNG of <see cref="Project"/>, upscaled by <paramref name="scale"/> (nearest neighbour).</summary>
    public static PngImage ToPng(Tensor features, int scale = 8)
    {
        using var rgb = Project(features); // [3, h, w] in [0, 1]
        using var signed = rgb * 2 - 1;    // [3, h, w] in [-1, 1]
        using var bmp = ImageTensors.ToBitmap(signed);
        using var up = ImageTensors.Upscale(bmp, scale);
        return PngImage.Encode(up);
    }
}
