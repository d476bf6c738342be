using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Models;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Head;

public class MaskHeadTests
{
    [Fact]
    public void ShapesPerLayerForAPyramid()
    {
        TorchRuntime.Seed(0);
        using var head = new MaskHead(new long[] { 8, 16 }, 3, MaskHeadConfig.Tiny);
        var feats = new[] { randn(new long[] { 2, 8, 16, 16 }), randn(new long[] { 2, 16, 8, 8 }) };
        using var o = head.forward(feats);
        Assert.Equal(3, o.Layers.Count);                                                   // the queries' own prediction + 2 layers
        Assert.Equal(new long[] { 2, 10, 4 }, o.ClassLogits.shape);
        Assert.Equal(new long[] { 2, 10, 32, 32 }, o.MaskLogits.shape);                 // finest 16x16, one extra 2x stage
        Assert.All(head.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void GradientsReachEveryParameterWithVariableInstanceCounts()
    {
        TorchRuntime.Seed(1);
        using var head = new MaskHead(new long[] { 16 }, 2, MaskHeadConfig.Tiny with { ExtraUpsample = 0 });
        var feats = new[] { randn(new long[] { 3, 16, 4, 4 }) };
        var targets = new[]
        {
            new InstanceTarget(zeros(new long[] { 0, 16, 16 }), zeros(new long[] { 0 }, int64)),
            new InstanceTarget(ones(new long[] { 1, 16, 16 }), tensor(new long[] { 1 })),
            new InstanceTarget(rand(new long[] { 3, 16, 16 }) > 0.5, tensor(new long[] { 0, 1, 1 }), zeros(new long[] { 16, 16 }, @bool)),
        };
        using var o = head.forward(feats);
        using var g = new Generator(5);
        var loss = new MaskHeadLoss(2, new MaskLossConfig(Points: 32)).Compute(o, targets, g);
        Assert.Equal(3, loss.Matches.Count);
        Assert.Equal(new[] { 0, 1, 3 }, loss.Matches.Select(m => m.Length));
        loss.Total.backward();
        var missing = head.named_parameters().Where(p => p.parameter.grad is null || !p.parameter.grad.isfinite().all().item<bool>()).Select(p => p.name).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void WrongFeatureChannelsAreRejected()
    {
        using var head = new MaskHead(new long[] { 16 }, 2, MaskHeadConfig.Tiny);
        Assert.Throws<ArgumentException>(() => head.forward(new[] { randn(new long[] { 1, 8, 4, 4 }) }));
        Assert.Throws<ArgumentException>(() => new MaskHead(new long[] { 16 }, 2, MaskHeadConfig.Tiny with { Heads = 3 }));
    }
}
