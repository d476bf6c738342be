using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// Anti-aliased downsampling by 2 in T, H and W (Zhang 2019, "Making convolutional networks shift-invariant again"):
/// a depthwise separable [1, 3, 3, 1]/8 binomial filter with TF-style SAME zero padding, stride 2.
/// Has no parameters; the filter is rebuilt on the input's device.
/// </summary>
public static class BlurPool3d
{
    private static readonly float[] Taps = { 1f / 8, 3f / 8, 3f / 8, 1f / 8 };

    /// <summary>Blurs and subsamples x [B, C, T, H, W] to [B, C, ceil(T/2), ceil(H/2), ceil(W/2)].</summary>
    public static Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long c = x.shape[1];
        var taps = tensor(Taps, dtype: x.dtype, device: x.device);           // [4]
        var kernel = taps.view(4, 1, 1) * taps.view(1, 4, 1) * taps.view(1, 1, 4); // [4, 4, 4]
        kernel = kernel.expand(c, 1, 4, 4, 4).contiguous();                  // [C, 1, 4, 4, 4]
        var pads = new long[6];
        for (int dim = 0; dim < 3; dim++)
        {
            long n = x.shape[2 + dim];
            long outSize = (n + 1) / 2;
            long total = Math.Max((outSize - 1) * 2 + 4 - n, 0);
            // F.pad lists the last dimension first: (W_lo, W_hi, H_lo, H_hi, T_lo, T_hi).
            int at = (2 - dim) * 2;
            pads[at] = total / 2;
            pads[at + 1] = total - total / 2;
        }
        var padded = nn.functional.pad(x, pads);
        var y = nn.functional.conv3d(padded, kernel, strides: new long[] { 2, 2, 2 }, groups: c); // [B, C, T/2, H/2, W/2]
        return scope.MoveToOuter(y);
    }
}
