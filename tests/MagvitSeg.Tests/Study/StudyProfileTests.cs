using MagvitSeg.Config;
using MagvitSeg.Models;
using MagvitSeg.Study;

namespace MagvitSeg.Tests.Study;

public class StudyProfileTests
{
    /// <summary>The quick profile's values, pinned so a change to them is deliberate (and re-measured).</summary>
    [Fact]
    public void QuickProfileKeepsTheMeasuredValues()
    {
        var p = StudyProfile.Get("quick");
        Assert.Same(StudyProfile.Quick, p);
        Assert.Equal(new[] { "a", "b", "c" }, p.Variants);
        Assert.Equal(new[] { 0 }, p.Seeds);
        Assert.Equal((2000, 100, 48, 8), (p.TrainImages, p.ValImages, p.ImageSize, p.BatchSize));
        Assert.Equal("pyramid-full", p.Selection);
        Assert.Equal(MaskHeadConfig.Cpu, p.Head);
        var h = p.HeadTraining;
        Assert.Equal((700, 1e-3, 25, 1.0), (h.Steps, h.LearningRate, h.WarmupSteps, h.GradClip));

        Assert.Same(TokenizerProfile.Quick, p.Tokenizer);
        var t = p.Tokenizer;
        Assert.Equal((8, 48, 48, 8, 32, 256, 8), (t.Vqvae.Frames, t.Vqvae.Height, t.Vqvae.Width, t.Vqvae.Filters, t.Vqvae.EmbeddingDim,
                                                   t.Vqvae.CodebookSize, t.Vqvae.MinGroupChannels));
        Assert.Equal((300, 2, -1), (t.Training.Steps, t.Training.BatchSize, t.Training.DiscriminatorStartStep));
        Assert.True(t.Training.CodebookInitFromData);
    }

    [Fact]
    public void EveryVariantOfTheQuickProfileIsKnownAndTinyStillRunsThemAll()
    {
        Assert.Equal(3, StudyVariant.Parse(StudyProfile.Quick.Variants).Count);
        Assert.Equal(StudyVariant.All.Select(v => v.Id), StudyProfile.Tiny.Variants);
        Assert.Contains(StudyProfile.All, p => p.Name == "quick");
    }
}
