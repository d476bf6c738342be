using MagvitSeg.Config;

namespace MagvitSeg.Tests.Config;

/// <summary>
/// Pins every config record's defaults and named profiles with values written here (from the XML docs, the papers and
/// docs/departures.md), so a changed default fails a test instead of silently changing a study.
/// </summary>
public class ConfigDefaultsTests
{
    [Fact]
    public void MaskHeadDefaultsAreTheCpuSizedMask2FormerHead()
    {
        Assert.Equal(new MaskHeadConfig(Queries: 20, HiddenDim: 64, DecoderLayers: 3, Heads: 4, FeedForwardDim: 256, MaskDim: 64,
            ExtraUpsample: 1, Dropout: 0.0, ContextBlocks: 0, ClassRoiGrid: 0, ClassRoiConv: 0), new MaskHeadConfig());
        Assert.Equal(new MaskHeadConfig(10, 32, 2, 2, 64, 32, 1, 0, 0, 4, 8), MaskHeadConfig.Tiny);
        Assert.Equal(new MaskHeadConfig(20, 64, 3, 4, 256, 64, 1, 0, 0, 8, 32), MaskHeadConfig.Cpu);
        Assert.Equal(new MaskHeadConfig(100, 256, 6, 8, 1024, 256, 1, 0, 0, 8, 64), MaskHeadConfig.Gpu);
    }

    [Fact]
    public void MaskLossDefaultsAreMask2Formers()
    {
        var l = new MaskLossConfig();
        Assert.Equal((2.0, 5.0, 5.0, 0.1, 256, true), (l.ClassWeight, l.MaskWeight, l.DiceWeight, l.NoObjectWeight, l.Points, l.AuxLoss));
        Assert.Null(l.Matcher);
        Assert.Equal(new MatcherWeights(2, 5, 5), l.MatcherWeights);
        Assert.Equal(new MatcherWeights(Class: 2, Mask: 5, Dice: 5), new MatcherWeights());
    }

    [Fact]
    public void PredictDefaultsKeepTop100WithMaskNms()
    {
        Assert.Equal(new PredictConfig(TopK: 100, MaskThreshold: 0.5, Chunk: 25, NmsIou: 0.5), new PredictConfig());
        Assert.Equal("top100:mask0.5:nms0.5", new PredictConfig().Identity);
    }

    [Fact]
    public void HeadTrainDefaultsAreTheSegHeadProtocol()
    {
        Assert.Equal(new HeadTrainConfig(Steps: 1000, LearningRate: 1e-4, WeightDecay: 0.05, WarmupSteps: 0, MinLrFraction: 0.0,
            GradClip: 0.01, Seed: 0, LogIntervalSeconds: 2), new HeadTrainConfig());
        // Cosine from 1e-4 with no warm-up: half way down at step 500 of 1000.
        Assert.Equal(0.5e-4, new HeadTrainConfig().LearningRateAt(500), 15);
    }

    [Fact]
    public void ConditionDefaultsAreMagvitFramePrediction()
    {
        Assert.Equal(new ConditionConfig(Frames: 16, CondFrames: 1, Padding: CondPadding.Edge, CondLatentFrames: 1, TemporalCompression: 4,
            NoiseSeed: 0, NoiseStd: 1.0), new ConditionConfig());
        Assert.Equal(new ConditionConfig(), ConditionConfig.Magvit);
        Assert.Equal(CondPadding.Zeros, ConditionConfig.Named("zeros").Padding);
        Assert.Equal(CondPadding.Noise, ConditionConfig.Named("noise").Padding);
        Assert.Equal(4, ConditionConfig.Named("t4").Frames);
        Assert.Equal(8, ConditionConfig.Named("t8").Frames);
        Assert.Equal(1, ConditionConfig.Named("first-frame").ClipFrames);
    }

    [Theory]
    [InlineData("tiny", 48, 24, 40, 1e-3, 4, 1.0, 8, "pyramid", new[] { 0 })]
    [InlineData("cpu", 5000, 200, 2400, 1e-3, 50, 1.0, 8, "pyramid-full", new[] { 0 })]
    [InlineData("gpu", 10000, 1000, 5000, 1e-4, 500, 0.01, 32, "pyramid", null)]
    public void StudyProfilesFixTheirBudgets(string name, int train, int val, int steps, double lr, int warmup, double clip, int batch,
        string selection, int[]? fineTuneSeeds)
    {
        var p = StudyProfile.Get(name);
        Assert.Equal((train, val, batch, selection), (p.TrainImages, p.ValImages, p.BatchSize, p.Selection));
        Assert.Equal((steps, lr, warmup, clip), (p.HeadTraining.Steps, p.HeadTraining.LearningRate, p.HeadTraining.WarmupSteps, p.HeadTraining.GradClip));
        Assert.Equal(new[] { 0, 1, 2 }, p.Seeds);
        Assert.Equal(fineTuneSeeds, p.FineTuneSeeds);
        Assert.Equal(0.1, p.FineTuneLrScale);
        Assert.Null(p.Loss);
        Assert.Equal(new PredictConfig(), p.Inference);
        Assert.Equal(MaskHeadConfig.Named(name), p.Head);
        Assert.Equal(name, p.Tokenizer.Name);
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "f-zeros", "f-noise", "f-t4", "g" }, p.Variants);
    }

    [Fact]
    public void StudyVariantsAreTheSevenArms()
    {
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "f-zeros", "f-noise", "f-t4", "g" }, StudyVariant.All.Select(v => v.Id));
        Assert.Equal(new[] { FeatureEncoder.Video, FeatureEncoder.Random, FeatureEncoder.Pixels, FeatureEncoder.Image, FeatureEncoder.Video },
            StudyVariant.All.Take(5).Select(v => v.Encoder));
        Assert.True(StudyVariant.All.Single(v => v.Id == "e").Quantised);
        Assert.True(StudyVariant.All.Single(v => v.Id == "g").FineTune);
        Assert.Equal(new[] { "magvit", "magvit", "magvit", "magvit", "magvit", "zeros", "noise", "t4", "magvit" }, StudyVariant.All.Select(v => v.Condition));
    }
}
