using MagvitSeg.Config;
using MagvitSeg.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Training;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)] // seeds and reads the global torch RNG, sets threads
public class TokenizerTrainerTests
{
    // libtorch's CPU backward was not bitwise repeatable with 2 intra-op threads on this machine; the exactness tests
    // pin one thread (process-wide, so other tests just run single-threaded too).
    public TokenizerTrainerTests() => MagvitSeg.Runtime.TorchRuntime.SetThreads(1);

    [Fact]
    public void NonFiniteGradientsSkipTheUpdateInsteadOfPoisoningTheWeights()
    {
        var p = TrainingFixtures.AllFeatures();
        using var trainer = new TokenizerTrainer(p, CPU);
        var before = TrainingFixtures.State(trainer);
        using var nan = full(new long[] { 1, 3, 8, 32, 32 }, double.NaN);
        using var s = trainer.TrainStep(nan);
        Assert.Equal(1f, s[StepLosses.Index("skipped")].item<float>());
        foreach (var (name, t) in TrainingFixtures.State(trainer))
            if (name.StartsWith("model.", StringComparison.Ordinal) && t.is_floating_point())
                Assert.True(t.eq(before[name]).all().item<bool>(), $"{name} changed");
        Assert.Throws<NonFiniteLossException>(trainer.ThrowIfNonFinite);
    }

    [Theory]
    [InlineData("r1", new string[0])]                       // a sporadic NaN R1 (and the total it spoils) is excused
    [InlineData("recon", new[] { "loss", "recon" })]        // anything else still ends the run
    [InlineData("d_loss", new[] { "loss", "d_loss" })]      // discriminator weights gone bad
    public void OnlyANonFiniteR1IsExcused(string nanTerm, string[] fatal)
    {
        var values = new float[StepLosses.Names.Length];
        values[StepLosses.Index("recon")] = 0.2f;
        values[StepLosses.Index(nanTerm)] = float.NaN;
        values[StepLosses.Index("loss")] = float.NaN;        // the total carries the NaN of its term
        Assert.Equal(fatal, FatalNames(values));
    }

    [Fact]
    public void ANonFiniteR1NextToAnotherNonFiniteTermStillEndsTheRun()
    {
        var values = new float[StepLosses.Names.Length];
        values[StepLosses.Index("r1")] = float.PositiveInfinity;
        values[StepLosses.Index("g_adv")] = float.NaN;
        values[StepLosses.Index("loss")] = float.NaN;
        Assert.Equal(new[] { "g_adv" }, FatalNames(values));
    }

    // The names of the step scalars that FatalTerms says end the run.
    private static string[] FatalNames(float[] values)
    {
        using var scalars = tensor(values);
        using var bad = TokenizerTrainer.FatalTerms(scalars);
        return StepLosses.Names.Where((_, i) => bad[i].item<bool>()).ToArray();
    }

    [Fact]
    public void OverfitsAFixedBatchTenfold()
    {
        // The tiny architecture on a 4x16x16 clip (same layers, a quarter of the work) so the test stays fast.
        var p = TokenizerProfile.Tiny with
        {
            Vqvae = TokenizerProfile.Tiny.Vqvae with { Frames = 4, Height = 16, Width = 16 },
            Training = TokenizerProfile.Tiny.Training with
            {
                Steps = 1000, BatchSize = 1, LearningRate = 3e-3, WarmupSteps = 5, DiscriminatorStartStep = -1, Seed = 3,
            },
        };
        using var trainer = new TokenizerTrainer(p, CPU);
        using var batch = TrainingFixtures.Clips(p).Batch(0, 1);
        int recon = StepLosses.Index("recon");
        float first = 0, lastValue = 0;
        for (int i = 0; i < 60; i++)
        {
            using var s = trainer.TrainStep(batch);
            lastValue = s[recon].item<float>();
            if (i == 0) first = lastValue;
        }
        Assert.True(lastValue < first / 10, $"recon loss {first} -> {lastValue}");
    }

    [Fact]
    public void CheckpointRoundTripIsBitExact()
    {
        var p = TrainingFixtures.AllFeatures();
        string dir = TrainingFixtures.TempDir();
        using var trainer = new TokenizerTrainer(p, CPU);
        var clips = TrainingFixtures.Clips(p);
        for (int i = 0; i < 3; i++) trainer.TrainStep(clips.Batch(i, 1)).Dispose();
        string path = Path.Combine(dir, TokenizerCheckpoint.FileName(trainer.Step));
        TokenizerCheckpoint.Save(trainer, path);
        Assert.False(File.Exists(path + ".tmp"));
        using var restored = TokenizerCheckpoint.Load(path, CPU);
        Assert.Equal(3, restored.Step);
        var a = TrainingFixtures.State(trainer);
        var b = TrainingFixtures.State(restored);
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (name, t) in a) Assert.True(t.eq(b[name]).all().item<bool>(), $"{name} differs after the round trip");
        Assert.Equal(trainer.LecamReal.item<float>(), restored.LecamReal.item<float>());
    }

    [Fact]
    public void ResumedRunEqualsAnUninterruptedRun()
    {
        var p = TrainingFixtures.AllFeatures(steps: 4);
        var clips = TrainingFixtures.Clips(p);
        using var straight = new TokenizerTrainer(p, CPU);
        for (int i = 0; i < 4; i++) straight.TrainStep(clips.Batch(i, 1)).Dispose();

        string dir = TrainingFixtures.TempDir();
        string path = Path.Combine(dir, "half.ckpt");
        using (var first = new TokenizerTrainer(p, CPU))
        {
            for (int i = 0; i < 2; i++) first.TrainStep(clips.Batch(i, 1)).Dispose();
            TokenizerCheckpoint.Save(first, path);
        }
        random.manual_seed(12345); // disturb the global RNG: the checkpoint must restore it
        using var resumed = TokenizerCheckpoint.Load(path, CPU);
        while (resumed.Step < 4) resumed.TrainStep(clips.Batch(resumed.Step, 1)).Dispose();

        var a = TrainingFixtures.State(straight);
        var b = TrainingFixtures.State(resumed);
        foreach (var (name, t) in a)
        {
            double diff = t.is_floating_point() ? (t - b[name]).abs().max().item<float>() : (t != b[name]).sum().item<long>();
            Assert.True(diff <= 1e-6, $"{name}: max |straight - resumed| = {diff}");
        }
    }

    [Fact]
    public void NaNLossStopsWithStepAndTermAndKeepsTheLastGoodCheckpoint()
    {
        var p = TrainingFixtures.AllFeatures(steps: 6) with { };
        p = p with { Training = p.Training with { LogEvery = 1, CheckpointEvery = 1, KeepCheckpoints = 10 } };
        string dir = TrainingFixtures.TempDir();
        using var trainer = new TokenizerTrainer(p, CPU);
        var output = new PretrainOutput(dir);
        var e = Assert.Throws<NonFiniteLossException>(() =>
            PretrainLoop.Run(trainer, new PoisonedClips(TrainingFixtures.Clips(p), fromStep: 2), null, output, 6));
        Assert.Equal(2, e.Step);
        Assert.Equal("recon", e.Term); // NaN clips break the reconstruction term first
        Assert.Contains("step 2", e.Message);
        var kept = TokenizerCheckpoint.List(output.Checkpoints).Select(c => c.Step).ToArray();
        Assert.Equal(new long[] { 1, 2 }, kept); // checkpoints after steps 0 and 1; nothing after the bad step
    }

    [Fact]
    public void LoopWritesConfigMetricsCheckpointsAndFigures()
    {
        var p = TrainingFixtures.AllFeatures(steps: 4);
        p = p with { Training = p.Training with { EvalEvery = 4, CheckpointEvery = 2, KeepCheckpoints = 1 } };
        string dir = TrainingFixtures.TempDir();
        using var trainer = new TokenizerTrainer(p, CPU);
        var lines = new List<string>();
        var summary = PretrainLoop.Run(trainer, TrainingFixtures.Clips(p), TrainingFixtures.Clips(p, seed: 99),
            new PretrainOutput(dir), 4, lines.Add, evalBatches: 1);
        Assert.Equal(4, summary.Step);
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(string.Join(',', PretrainLoop.MetricsColumns), csv[0]);
        Assert.Equal(5, csv.Length);
        Assert.Equal(new[] { "0", "1", "2", "3" }, csv.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Single(TokenizerCheckpoint.List(Path.Combine(dir, "checkpoints")));
        Assert.True(File.Exists(Path.Combine(dir, "figures", "recon-step-00000004.png")));
        Assert.NotNull(summary.LastEval);
        Assert.Contains(lines, l => l.Contains("clips/s") && l.Contains("ETA"));
    }
}
