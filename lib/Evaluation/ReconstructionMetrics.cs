using static TorchSharp.torch;

namespace MagvitSeg.Evaluation;

/// <summary>PSNR and SSIM of reconstructions, for clips or images with values in [-1, 1].</summary>
public static class ReconstructionMetrics
{
    /// <summary>
    /// PSNR in dB with peak-to-peak 2 (the [-1, 1] range): 10 log10(4 / MSE), averaged over the batch's samples
    /// (each sample's MSE over all its values). Identical inputs give +infinity.
    /// </summary>
    public static double Psnr(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var mse = (x - y).square().flatten(1).mean(new long[] { 1 });                 // [B]
        var psnr = 10 * (4 / mse).log10();
        return psnr.mean().item<float>();
    }

    /// <summary>
    /// SSIM (Wang et al. 2004) with an 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, on values mapped to [0, 1],
    /// per channel and frame, averaged. Input [B, C, T, H, W] or [B, C, H, W].
    /// </summary>
    public static double Ssim(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        if (x.dim() == 5)
        {
            x = x.permute(0, 2, 1, 3, 4).flatten(0, 1);                                 // [B*T, C, H, W]
            y = y.permute(0, 2, 1, 3, 4).flatten(0, 1);
        }
        x = ((x + 1) / 2).flatten(0, 1).unsqueeze(1);                                    // [N, 1, H, W] in [0, 1]
        y = ((y + 1) / 2).flatten(0, 1).unsqueeze(1);
        int k = (int)Math.Min(11, Math.Min(x.shape[2], x.shape[3]));
        var g = arange(k, dtype: float32, device: x.device) - (k - 1) / 2.0;
        g = (-(g * g) / (2 * 1.5 * 1.5)).exp();
        g = g / g.sum();
        var w = g.unsqueeze(1).matmul(g.unsqueeze(0)).reshape(1, 1, k, k);              // [1, 1, k, k]
        Tensor F(Tensor t) => nn.functional.conv2d(t, w);                                // valid window, as skimage/Wang
        double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var mx = F(x); var my = F(y);
        var sxx = F(x * x) - mx * mx; var syy = F(y * y) - my * my; var sxy = F(x * y) - mx * my;
        var map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
        return map.mean().item<float>();
    }
}
