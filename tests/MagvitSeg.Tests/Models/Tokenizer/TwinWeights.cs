using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

/// <summary>
/// Deterministic weights shared with the PyTorch twin (tests/MagvitSeg.Tests/Models/twin/magvit_twin.py, over the shipped
/// python/magvitseg_torch.py): tensors in ordinal
/// name order; value k of tensor i is scale * sin(0.37 k + 1.3 i), scale 1/sqrt(fan_in) for kernels, 0.05 for biases,
/// and norm weights 1 + 0.1 sin. No file exchange is needed: both sides compute the same numbers.
/// </summary>
internal static class TwinWeights
{
    public static void SinInit(nn.Module module)
    {
        var named = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var names = named.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        using var _ = no_grad();
        for (int i = 0; i < names.Length; i++)
        {
            var p = named[names[i]];
            var s = (arange(p.numel(), dtype: float64) * 0.37 + 1.3 * i).sin();
            Tensor v;
            if (p.dim() >= 2) v = s / Math.Sqrt((double)p.numel() / p.shape[0]);
            else if (names[i].Contains("norm") && names[i].EndsWith("weight", StringComparison.Ordinal)) v = 1 + 0.1 * s;
            else v = 0.05 * s;
            p.copy_(v.reshape(p.shape).to_type(float32));
        }
    }

    /// <summary>The twin's input: 0.9 sin(0.11 k) over the flat index k.</summary>
    public static Tensor SinClip(long b, long t, long h, long w) =>
        (0.9 * (arange(b * 3 * t * h * w, dtype: float64) * 0.11).sin()).reshape(b, 3, t, h, w).to_type(float32);
}
