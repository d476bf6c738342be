using MagvitSeg.Config;

namespace MagvitSeg.Tests.Config;

public class TokenizerConfigTests
{
    [Fact]
    public void DefaultsAreMagvitB()
    {
        var c = new VqvaeConfig();
        Assert.Equal((16, 128, 128), (c.Frames, c.Height, c.Width));
        Assert.Equal(64, c.Filters);
        Assert.Equal(new[] { 1, 2, 2, 4 }, c.Multipliers);
        Assert.Equal(new[] { true, true, false }, c.TimeDown);
        Assert.Equal((2, 256, 1024), (c.NumResBlocks, c.EmbeddingDim, c.CodebookSize));
        Assert.Equal((0.25, 1.0, 0.1, 0.01), (c.CommitmentCost, c.EmbeddingLossRatio, c.EntropyLossRatio, c.EntropyTemperature));
        Assert.Equal(new[] { 2, 4, 4, 4, 4 }, new DiscriminatorConfig().Multipliers);
        var t = new TrainingConfig();
        Assert.Equal((1e-4, 0.0, 0.99, 0.999), (t.LearningRate, t.Beta1, t.Beta2, t.EmaDecay));
        Assert.Equal((0.1, 10.0, 0.0), (t.AdversarialWeight, t.R1Weight, t.LecamWeight));
        Assert.Null(t.PerceptualModel);
    }

    [Theory]
    [InlineData("tiny", 8, 32, 4, 8, 8)]
    [InlineData("quick", 8, 48, 2, 12, 12)]
    [InlineData("cpu", 16, 64, 4, 16, 16)]
    [InlineData("gpu", 16, 128, 4, 16, 16)]
    [InlineData("magvit-b", 16, 128, 4, 16, 16)]
    [InlineData("magvit-l", 16, 128, 4, 16, 16)]
    public void ProfilesHaveTheirClipAndTokenGrids(string name, int t, int hw, int lt, int lh, int lw)
    {
        var p = TokenizerProfile.Get(name);
        p.Vqvae.Validate();
        Assert.Equal((t, hw, hw), (p.Vqvae.Frames, p.Vqvae.Height, p.Vqvae.Width));
        Assert.Equal((lt, lh, lw), p.Vqvae.LatentShape);
    }

    [Fact]
    public void UnknownProfileNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => TokenizerProfile.Get("huge"));
        Assert.Contains("magvit-b", e.Message);
    }

    [Fact]
    public void ImageTwinHasUnitTemporalKernelAndNoTemporalPooling()
    {
        var v = TokenizerProfile.Cpu.ImageTwin().Vqvae;
        Assert.Equal((1, 1, 1), (v.Frames, v.TemporalKernel, v.TemporalFactor));
        v.Validate();
    }

    [Fact]
    public void InconsistentTemporalFlagsAreRejected()
    {
        var bad = new VqvaeConfig(TemporalDownsample: new[] { true });
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("TemporalDownsample", e.Message);
    }
}
