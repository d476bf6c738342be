using MagvitSeg.Config;
using MagvitSeg.Probes;
using MagvitSeg.Study;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Study;

public class CurvesRunnerTests
{
    [Fact]
    public void RunsTrainedSideBySideLearnWhatTheyLearnOneAtATime()
    {
        // curves --jobs trains a grid's runs on parallel threads. Each run must still get its own seed's initialisation
        // and batches, so every record (metrics, last loss, per-category IoU) and the intervals equal the one-at-a-time grid's.
        string root = Path.Combine(Path.GetTempPath(), "magvitseg-curves-jobs-" + Guid.NewGuid().ToString("N"));
        var tiny = StudyProfile.Tiny;
        var study = tiny with { TrainImages = 12, ValImages = 6, HeadTraining = tiny.HeadTraining with { Steps = 4 }, BatchSize = 4, Seeds = new[] { 0, 1 } };
        var dense = new DenseProbeConfig(Steps: 4, LearningRate: 1e-2);
        var curves = CurvesProfile.Tiny with { Budgets = new[] { 6, 12 }, Linear = dense, Mlp = dense, Resamples = 20, StepFloorFraction = 0.5 };
        var arms = StudyVariant.Parse(new[] { "b", "c" });
        var probes = new[] { CurveProbe.Linear, CurveProbe.Mlp, CurveProbe.Query };
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        CurvesResult RunWith(int jobs)
        {
            string dir = Path.Combine(root, $"jobs{jobs}");
            var paths = new StudyPaths(Path.Combine(dir, "study"), Path.Combine(dir, "tokenizer"), Path.Combine(dir, "tokenizer-2d"));
            using var runner = new StudyRunner(study, paths, CPU);
            return new CurvesRunner(runner, curves, Path.Combine(dir, "curves"), lines.Enqueue) { Jobs = jobs }.Run(arms, probes, curves.Budgets, new[] { 0, 1 });
        }
        static CurvesRunRecord Record(string file) =>
            System.Text.Json.JsonSerializer.Deserialize<CurvesRunRecord>(File.ReadAllText(file), MagvitSeg.Runtime.AtomicFile.Json)!;
        try
        {
            var one = RunWith(1);
            var two = RunWith(2);
            Assert.Equal(2 * 3 * 2 * 2, one.Rows.Count);                                         // arms x probes x budgets x seeds
            Assert.Equal(one.Rows.Select(r => (r.Arm, r.Probe, r.TrainImages, r.Seed, r.AP, r.MIoU)), two.Rows.Select(r => (r.Arm, r.Probe, r.TrainImages, r.Seed, r.AP, r.MIoU)));
            Assert.Equal(one.Differences.Select(d => (d.Pair, d.Probe, d.TrainImages, d.Metric, d.Mean, d.Low, d.High)),
                         two.Differences.Select(d => (d.Pair, d.Probe, d.TrainImages, d.Metric, d.Mean, d.Low, d.High)));
            // Every run's final loss and per-category IoU, not only the rounded table.
            var files = Directory.GetFiles(Path.Combine(root, "jobs1", "curves", "runs"), "run.json", SearchOption.AllDirectories);
            Assert.Equal(2 * 3 * 2 * 2, files.Length);
            foreach (var file in files)
            {
                var r1 = Record(file);
                var r2 = Record(file.Replace(Path.Combine(root, "jobs1"), Path.Combine(root, "jobs2")));
                Assert.Equal((r1.AP, r1.MIoU, r1.FinalLoss, r1.Steps), (r2.AP, r2.MIoU, r2.FinalLoss, r2.Steps));
                Assert.Equal(r1.CategoryIoU, r2.CategoryIoU);
            }
            // A rerun reuses every run and every run's resamples (bootstrap.json), a damaged cache file is recomputed,
            // and the intervals are the same.
            var cacheFiles = Directory.GetFiles(Path.Combine(root, "jobs1", "curves", "runs"), "bootstrap.json", SearchOption.AllDirectories);
            Assert.Equal(files.Length, cacheFiles.Length);
            File.WriteAllText(cacheFiles[0], "{");
            lines.Clear();
            var again = RunWith(1);
            Assert.Equal(files.Length - 1, lines.Count(l => l.StartsWith("intervals ") && l.EndsWith("(reused)")));
            Assert.Equal(one.Differences.Select(d => (d.Pair, d.Probe, d.TrainImages, d.Metric, d.Mean, d.Low, d.High)),
                         again.Differences.Select(d => (d.Pair, d.Probe, d.TrainImages, d.Metric, d.Mean, d.Low, d.High)));
            Assert.Equal(one.Levels.Select(l => (l.Arm, l.Probe, l.TrainImages, l.Metric, l.Mean, l.Low, l.High)),
                         again.Levels.Select(l => (l.Arm, l.Probe, l.TrainImages, l.Metric, l.Mean, l.Low, l.High)));
            Assert.StartsWith("{\n", File.ReadAllText(cacheFiles[0]));

            // The two seeds differ (the comparisons above would also pass if seeds were ignored everywhere).
            foreach (var probe in new[] { "mlp", "query" })
            {
                string Run(int seed) => Path.Combine(root, "jobs2", "curves", "runs", probe, "c", "n6", $"seed{seed}", "run.json");
                Assert.NotEqual(Record(Run(0)).FinalLoss, Record(Run(1)).FinalLoss);
            }
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }
}
