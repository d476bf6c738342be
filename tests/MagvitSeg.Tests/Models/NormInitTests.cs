using MagvitSeg.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models;

/// <summary>TorchSharp leaves GroupNorm/LayerNorm affine parameters uninitialised; every norm of the head must start at
/// PyTorch's defaults (a garbage LayerNorm weight made the head's outputs NaN at step 0 of a quick-profile study).</summary>
public class NormInitTests
{
    [Fact]
    public void EveryNormOfTheHeadStartsAtWeightOneBiasZero()
    {
        // Dirty the allocator first, so fresh parameters would not happen to be zero pages.
        for (int i = 0; i < 20; i++) using (var junk = full(new long[] { 4096 }, float.NaN)) { }
        using var head = new MaskHead(new long[] { 8, 16 }, 3, MaskHeadConfig.Tiny);
        var norms = head.named_modules().Where(m => m.module is LayerNorm or GroupNorm).ToList();
        Assert.True(norms.Count(m => m.module is LayerNorm) >= 3, "the decoder layers and the decoder's output norm");
        foreach (var (name, module) in norms)
            foreach (var (p, value) in module.named_parameters())
            {
                float expected = p == "weight" ? 1f : 0f;
                Assert.True(value.data<float>().ToArray().All(v => v == expected), $"{name}.{p} is not all {expected}");
            }
    }
}
