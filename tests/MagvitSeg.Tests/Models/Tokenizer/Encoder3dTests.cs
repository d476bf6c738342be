using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

public class Encoder3dTests
{
    [Fact]
    public void ForwardFeaturesReturnsOneLevelPerMultiplierAndTheLatent()
    {
        // MAGVIT's 4-level layout (multipliers (1,2,4,8), temporal (T,T,F)) at 8 filters on an 8x32x32 clip, fast.
        var cfg = TokenizerProfile.Cpu.Vqvae with
        {
            Frames = 8, Height = 32, Width = 32, ChannelMultipliers = new[] { 1, 2, 4, 8 }, TemporalDownsample = new[] { true, true, false },
        };
        using var encoder = new Encoder3d(cfg);
        encoder.eval();
        using var _ = no_grad();
        using var x = zeros(new long[] { 1, 3, 8, 32, 32 });
        var f = encoder.ForwardFeatures(x);
        Assert.Equal(4, f.Levels.Count);
        Assert.Equal(new long[] { 1, 8, 8, 32, 32 }, f.Levels[0].shape);
        Assert.Equal(new long[] { 1, 16, 4, 16, 16 }, f.Levels[1].shape);
        Assert.Equal(new long[] { 1, 32, 2, 8, 8 }, f.Levels[2].shape);
        Assert.Equal(new long[] { 1, 64, 2, 4, 4 }, f.Levels[3].shape);
        Assert.Equal(new long[] { 1, 32, 2, 4, 4 }, f.Latent.shape);
        Assert.Equal(new long[] { 8, 16, 32, 64 }, encoder.LevelChannels);
        Assert.Equal(0, (encoder.forward(x) - f.Latent).abs().max().item<float>());
    }

    [Fact]
    public void IndivisibleClipIsRejectedWithTheCompression()
    {
        using var encoder = new Encoder3d(TokenizerProfile.Tiny.Vqvae);
        using var x = zeros(new long[] { 1, 3, 7, 32, 32 });
        var e = Assert.Throws<ArgumentException>(() => encoder.forward(x));
        Assert.Contains("2x4x4", e.Message);
    }
}
