using MagvitSeg.Config;
using MagvitSeg.Inspection;
using MagvitSeg.Training;
using MagvitSeg.Tests.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Inspection;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)] // trains: seeds the global torch RNG
public class TokenizerRunTests
{
    private static TokenizerProfile Short(int steps) => TokenizerProfile.Tiny with
    {
        Training = TokenizerProfile.Tiny.Training with
        {
            Steps = steps, BatchSize = 1, WarmupSteps = 1, DiscriminatorStartStep = -1, LogEvery = 2, EvalEvery = 2, CheckpointEvery = 2,
        },
    };

    [Fact]
    public void TrainsThenReusesAndResumesAndDrawsTheRun()
    {
        string dir = TrainingFixtures.TempDir();
        try
        {
            var reported = new List<long>();
            var lines = new List<string>();
            var first = TokenizerRun.Ensure(Short(4), dir, CPU, lines.Add, (step, s) => { reported.Add(step); Assert.Contains("loss", s.Keys); },
                                            evalBatches: 1, exportSafetensors: false);
            Assert.Equal(TokenizerRunAction.Trained, first.Action);
            Assert.Equal(new long[] { 2, 4 }, reported);
            Assert.DoesNotContain(lines, l => l.StartsWith("step "));   // the progress callback took those
            Assert.Contains(lines, l => l.StartsWith("eval step 4"));
            Assert.EndsWith("step-00000004.ckpt", first.Checkpoint);
            Assert.Equal(first.Checkpoint, TokenizerRun.Finished(dir));
            Assert.Contains("trained the 'tiny' tokenizer for 4 steps", first.Describe());

            // Finished: reused, nothing trained, whatever profile settings are asked for now.
            var again = TokenizerRun.Ensure(Short(6), dir, CPU, exportSafetensors: false);
            Assert.Equal(TokenizerRunAction.Reused, again.Action);
            Assert.Equal(4, again.Profile.Training.Steps);
            Assert.Null(again.Summary);

            // Another profile's run is refused.
            Assert.Throws<InvalidOperationException>(() => TokenizerRun.Ensure(TokenizerProfile.Cpu, dir, CPU));

            // The curves of the run.
            var metrics = PretrainReport.ReadCsv(first.Output.MetricsCsv);
            var eval = PretrainReport.ReadCsv(first.Output.EvalCsv);
            Assert.Equal(4L, metrics.Rows.Count);
            Assert.Equal(new[] { 2.0, 4.0 }, eval.Columns["step"].Cast<double?>().Select(v => v!.Value));
            var losses = PretrainReport.LossChart(metrics);
            Assert.DoesNotContain(losses.Traces, t => t.Name == "d_loss");  // no GAN: zero throughout, left out
            Assert.Contains(losses.Traces, t => t.Name == "recon");
            Assert.Single(PretrainReport.PsnrChart(eval).Traces);
            Assert.Equal(2, PretrainReport.PerplexityChart(metrics, eval, 64).Traces.Count);

            using var ema = TokenizerCheckpoint.LoadEmaModel(first.Checkpoint, CPU);
            var view = PretrainReport.Reconstructions(ema, TokenizerRun.HeldOut(first.Profile), clips: 2, maxFrames: 4, scale: 1);
            Assert.True(view.Grid.Height > 4 * 32);
            Assert.Equal(1L, PretrainReport.Table(view.Metrics, 64).Rows.Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ResumesAnUnfinishedRun()
    {
        string dir = TrainingFixtures.TempDir();
        try
        {
            // A run stopped after its step-2 checkpoint, with 4 steps planned.
            using (var trainer = new TokenizerTrainer(Short(4), CPU))
            {
                var p = trainer.Profile;
                PretrainLoop.Run(trainer, TokenizerRun.ShapesSource(p.Vqvae, p.Training.Seed), null, new PretrainOutput(dir), 2);
            }
            Assert.Null(TokenizerRun.Finished(dir));
            var lines = new List<string>();
            var r = TokenizerRun.Ensure(Short(4), dir, CPU, lines.Add, exportSafetensors: false);
            Assert.Equal(TokenizerRunAction.Resumed, r.Action);
            Assert.Contains(lines, l => l.StartsWith("resuming the 'tiny' run") && l.Contains("step 2 of 4"));
            Assert.Equal(4L, r.Summary!.Step);
            Assert.NotNull(TokenizerRun.Finished(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MovingAverageIsTrailing()
    {
        Assert.Equal(new[] { 1.0, 1.5, 2.5, 3.5 }, PretrainReport.MovingAverage(new[] { 1.0, 2, 3, 4 }, 2));
        Assert.Equal(new[] { 1.0, 2 }, PretrainReport.MovingAverage(new[] { 1.0, 2 }, 1));
        Assert.Throws<ArgumentException>(() => PretrainReport.MovingAverage(new[] { 1.0 }, 0));
    }

    [Fact]
    public void ReadCsvNamesTheBadCell()
    {
        string dir = TrainingFixtures.TempDir();
        try
        {
            string path = Path.Combine(dir, "m.csv");
            File.WriteAllText(path, "step,loss\n0,1.5\n1,NaN\n2,2.5E-07\n");
            var frame = PretrainReport.ReadCsv(path);
            Assert.Equal(3L, frame.Rows.Count);
            Assert.True(double.IsNaN((double)frame["loss"][1]!));
            Assert.Equal(2.5e-7, (double)frame["loss"][2]!, 15);
            File.WriteAllText(path, "step,loss\n0,x\n");
            var e = Assert.Throws<InvalidDataException>(() => PretrainReport.ReadCsv(path));
            Assert.Contains("line 2, column 'loss'", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
