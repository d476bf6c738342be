using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Evaluation;

/// <summary>
/// Image reconstruction quality on frames [N, C, H, W] with values in [0, 1] (data range 1).
/// PSNR = 10 log10(1 / MSE) per frame; SSIM after Wang et al. 2004 as in <c>tf.image.ssim</c>: 11x11 Gaussian window
/// (sigma 1.5), K1 = 0.01, K2 = 0.03, 'valid' filtering, mean over positions and channels per frame.
/// </summary>
public static class ReconstructionMetrics
{
    /// <summary>Per-frame PSNR [N] in dB; identical frames give +Inf.</summary>
    public static Tensor Psnr(Tensor reference, Tensor test)
    {
        CheckPair(reference, test);
        using var scope = NewDisposeScope();
        var mse = (reference - test).square().flatten(1).mean(new long[] { 1 });         // [N]
        return scope.MoveToOuter(10 * (1.0 / mse).log10());
    }

    /// <summary>Per-frame SSIM [N]. Frames must be at least 11x11.</summary>
    public static Tensor Ssim(Tensor reference, Tensor test)
    {
        CheckPair(reference, test);
        if (reference.shape[2] < 11 || reference.shape[3] < 11)
            throw new ArgumentException($"SSIM needs frames of at least 11x11 (the Gaussian window); got {reference.shape[2]}x{reference.shape[3]}.");
        using var scope = NewDisposeScope();
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        long c = reference.shape[1];
        var x = reference.to_type(float64);
        var y = test.to_type(float64);
        var g = GaussianWindow(11, 1.5).to(x.device);                       // [11, 11]
        var w = g.expand(c, 1, 11, 11).contiguous();                        // [C, 1, 11, 11]
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, w, groups: c);   // [N, C, H-10, W-10]
        var muX = Filter(x);
        var muY = Filter(y);
        var sxx = Filter(x * x) - muX * muX;
        var syy = Filter(y * y) - muY * muY;
        var sxy = Filter(x * y) - muX * muY;
        var luminance = (2 * muX * muY + c1) / (muX * muX + muY * muY + c1);
        var contrast = (2 * sxy + c2) / (sxx + syy + c2);
        var ssim = (luminance * contrast).flatten(1).mean(new long[] { 1 });  // [N]
        return scope.MoveToOuter(ssim.to_type(float32));
    }

    /// <summary>
    /// Frames [N, C, H, W] with every <paramref name="block"/> x <paramref name="block"/> square replaced by its exact mean:
    /// what a code that knows each token's average colour per frame, and nothing else, would reconstruct. Its PSNR is a
    /// reference for a tokenizer with that spatial stride (a tokenizer below it keeps less than the block means).
    /// </summary>
    /// <exception cref="ArgumentException">H or W is not a multiple of the block.</exception>
    public static Tensor BlockMeans(Tensor frames, int block)
    {
        if (frames.dim() != 4 || block < 1 || frames.shape[2] % block != 0 || frames.shape[3] % block != 0)
            throw new ArgumentException($"BlockMeans expects frames [N, C, H, W] with H and W multiples of the block {block}; got [{string.Join(", ", frames.shape)}].");
        using var scope = NewDisposeScope();
        var means = nn.functional.avg_pool2d(frames, block, block);
        return scope.MoveToOuter(means.repeat_interleave(block, 2).repeat_interleave(block, 3));
    }

    /// <summary>Clips [B, C, T, H, W] in [-1, 1] to frames [B*T, C, H, W] in [0, 1].</summary>
    public static Tensor ClipToUnitFrames(Tensor clip) =>
        ((clip.permute(0, 2, 1, 3, 4).reshape(-1, clip.shape[1], clip.shape[3], clip.shape[4]) + 1) / 2).clamp(0, 1);

    /// <summary>Normalised 2D Gaussian window [size, size].</summary>
    public static Tensor GaussianWindow(int size, double sigma)
    {
        var coords = arange(size, dtype: float64) - (size - 1) / 2.0;
        var g = (-(coords.square()) / (2 * sigma * sigma)).exp();
        g = g / g.sum();
        return g.unsqueeze(1) * g.unsqueeze(0);
    }

    private static void CheckPair(Tensor a, Tensor b)
    {
        if (a.dim() != 4 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Reconstruction metrics expect two frame batches [N, C, H, W] of the same shape; got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
    }
}
