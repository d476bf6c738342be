using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

public class Discriminator3dTests
{
    [Fact]
    public void MatchesThePyTorchTwinForTheSameWeights()
    {
        // tests/MagvitSeg.Tests/Models/twin/magvit_twin.py: Disc(8, [2, 4, 4], 8, 32, 32) with SinInit weights on the 0.9 sin(0.11 k) clip.
        var p = TokenizerProfile.Tiny;
        using var d = new Discriminator3d(p.Discriminator, p.Vqvae);
        Assert.Equal(127_801, d.parameters().Sum(t => t.numel()));
        TwinWeights.SinInit(d);
        using var _ = no_grad();
        using var x = TwinWeights.SinClip(1, 8, 32, 32);
        Assert.Equal(-0.023785080760717392, d.forward(x).item<float>(), 5);
    }

    [Fact]
    public void BlurPoolHalvesEveryAxisAndKeepsAConstantInTheInterior()
    {
        using var x = ones(new long[] { 1, 2, 8, 8, 8 });
        var y = BlurPool3d.Forward(x);
        Assert.Equal(new long[] { 1, 2, 4, 4, 4 }, y.shape);
        // Interior outputs see the full normalised filter; border ones lose 1/8 per padded axis to the zero padding.
        Assert.Equal(1f, y[0, 0, 1, 1, 1].item<float>(), 5);
        Assert.Equal(7f / 8, y[0, 0, 0, 1, 1].item<float>(), 5);
    }
}
