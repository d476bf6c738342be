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

    /// <summary>The number of GroupNorm groups for a channel count: 32 as in MAGVIT, fewer for narrow layers.</summary>
    public static long Groups(long channels, long preferred = 32)
    {
        long g = Math.Min(preferred, channels);
        while (channels % g != 0) g--;
        return g;
    }
}
