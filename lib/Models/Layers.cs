using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models;

/// <summary>Small layer factories shared by the models.</summary>
public static class Layers
{
    /// <summary>
    /// GroupNorm with its affine parameters set to PyTorch's defaults (weight 1, bias 0).
    /// TorchSharp 0.107's <c>nn.GroupNorm</c> leaves them uninitialised (values like -4e29 were seen here),
    /// which silently destroys training; every GroupNorm in MagvitSeg is built here for that reason.
    /// </summary>
    public static GroupNorm GroupNorm(long groups, long channels, double eps = 1e-6)
    {
        var gn = nn.GroupNorm(groups, channels, eps);
        using (no_grad())
        {
            gn.weight!.fill_(1f);
            gn.bias!.zero_();
        }
        return gn;
    }

    /// <summary>
    /// The number of GroupNorm groups for a channel count: 32 as in MAGVIT, fewer for narrow layers, and never fewer
    /// than <paramref name="minChannelsPerGroup"/> channels in a group.
    /// </summary>
    public static long Groups(long channels, long preferred = 32, long minChannelsPerGroup = 1)
    {
        long g = Math.Max(1, Math.Min(preferred, channels / Math.Max(1, minChannelsPerGroup)));
        while (channels % g != 0) g--;
        return g;
    }

    /// <summary>
    /// A 3x3x3 (or 1x3x3 for the image twin) conv with zero SAME padding, stride 1. Weights are LeCun-normal
    /// (flax's default conv init, used by MAGVIT) and biases zero.
    /// </summary>
    public static Conv3d Conv3(long inChannels, long outChannels, int temporalKernel = 3, bool bias = true)
    {
        var conv = nn.Conv3d(inChannels, outChannels, (temporalKernel, 3, 3), stride: (1, 1, 1),
            padding: (temporalKernel / 2, 1, 1), bias: bias);
        LecunInit(conv.weight!, conv.bias);
        return conv;
    }

    /// <summary>A 1x1x1 conv (channel projection), LeCun-normal weights, zero bias.</summary>
    public static Conv3d Conv1(long inChannels, long outChannels, bool bias = true)
    {
        var conv = nn.Conv3d(inChannels, outChannels, (1, 1, 1), stride: (1, 1, 1), padding: (0, 0, 0), bias: bias);
        LecunInit(conv.weight!, conv.bias);
        return conv;
    }

    /// <summary>Fills a weight with N(0, 1/fan_in) and zeroes the bias.</summary>
    public static void LecunInit(Tensor weight, Tensor? bias)
    {
        long fanIn = weight.numel() / weight.shape[0];
        using (no_grad())
        {
            weight.normal_(0, 1.0 / Math.Sqrt(fanIn));
            bias?.zero_();
        }
    }
}
