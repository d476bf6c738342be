using System.Diagnostics;
using MagvitSeg.Config;
using MagvitSeg.Data.Coco;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Probes;

/// <summary>Training settings of a dense probe (the step count is set per label budget).</summary>
/// <param name="Steps">Optimiser steps at the full label budget.</param>
/// <param name="LearningRate">AdamW peak learning rate (cosine decay to 0 after the warm-up).</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="WarmupSteps">Linear warm-up steps.</param>
/// <param name="Hidden">Hidden width of the MLP probe.</param>
/// <param name="LogIntervalSeconds">Seconds between progress lines.</param>
public sealed record DenseProbeConfig(int Steps = 500, double LearningRate = 1e-3, double WeightDecay = 1e-4, int WarmupSteps = 0,
    int Hidden = 256, double LogIntervalSeconds = 10);

/// <summary>A trained probe and what its training did.</summary>
public sealed record DenseProbeRun(DenseProbe Probe, double Seconds, double FinalLoss, int Steps);

/// <summary>
/// Trains a <see cref="DenseProbe"/> on cached features of a subset of the training images: per-pixel cross-entropy
/// over K+1 classes with the logits up-sampled bilinearly from the feature grid to the working image, ignored pixels
/// (crowd, padding) left out, AdamW with a cosine schedule, seeded batches (<see cref="BatchOrder.Indices"/>).
/// </summary>
public static class DenseProbeTrainer
{
    /// <summary>Trains for <paramref name="steps"/> steps on the training rows <paramref name="subset"/>.</summary>
    public static DenseProbeRun Train(DenseProbeKind kind, IReadOnlyList<Tensor> levels, CocoImageSet set, IReadOnlyList<int> subset,
        DenseProbeConfig config, int steps, int batchSize, long seed, Device device, Action<string>? log = null)
    {
        if (subset.Count == 0) throw new ArgumentException("DenseProbeTrainer: the label budget holds no image.");
        if (levels[0].shape[0] != set.Count)
            throw new ArgumentException($"DenseProbeTrainer: {levels[0].shape[0]} cached feature rows for {set.Count} images; rebuild the feature cache.");
        var rows = subset.Select(i => (long)i).ToArray();
        DenseProbe probe;
        // The initialisation draws from torch's global generator: probes built on several threads at once (curves --jobs)
        // seed and draw one at a time (HeadTrainer.Create does the same).
        lock (TorchRuntime.GlobalGeneratorLock)
        {
            TorchRuntime.Seed(seed);
            var (mean, std) = DenseProbe.ChannelStatistics(levels, rows);
            probe = new DenseProbe(kind, mean, std, set.NumClasses, config.Hidden);
        }
        probe.to(device);
        using var labels = tensor(subset.SelectMany(i => SemanticTargets.Working(set, i)).ToArray(), new long[] { subset.Count, set.Size, set.Size });
        using var optimizer = optim.AdamW(probe.parameters(), config.LearningRate, weight_decay: config.WeightDecay);
        var sw = Stopwatch.StartNew();
        double lastLog = double.NegativeInfinity, loss = double.NaN;
        int step = 0;
        probe.train();
        foreach (var idx in BatchOrder.Indices(subset.Count, batchSize, seed))
        {
            if (step >= steps) break;
            using var scope = NewDisposeScope();
            double lr = LearningRateSchedule.At(step, config.LearningRate, config.WarmupSteps, steps);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var pick = tensor(idx.Select(i => rows[i]).ToArray());
            var feats = levels.Select(l => l.index_select(0, pick).to(device)).ToList();
            var target = labels.index_select(0, tensor(idx.Select(i => (long)i).ToArray())).to(device);
            var logits = nn.functional.interpolate(probe.forward(feats), new long[] { set.Size, set.Size }, mode: InterpolationMode.Bilinear, align_corners: false);
            var l = nn.functional.cross_entropy(logits, target, ignore_index: SemanticTargets.Ignore);
            loss = l.item<float>();
            if (!double.IsFinite(loss))
                throw new NonFiniteLossException(step, "cross-entropy", $"Probe training stopped: the loss became {loss} at step {step} (lr {lr:G3}). " +
                                                    "Lower the learning rate, or check the features for NaN/Inf.");
            optimizer.zero_grad();
            l.backward();
            optimizer.step();
            step++;
            double t = sw.Elapsed.TotalSeconds;
            if (log is not null && (t - lastLog >= config.LogIntervalSeconds || step == steps))
            {
                lastLog = t;
                double rate = step / Math.Max(t, 1e-9);
                log($"probe step {step}/{steps} ({100.0 * step / steps:F0}%) {rate:F2} steps/s, elapsed {t:F0}s, ETA {(steps - step) / Math.Max(rate, 1e-9):F0}s | loss {loss:F4} lr {lr:G3}");
            }
        }
        return new DenseProbeRun(probe, sw.Elapsed.TotalSeconds, loss, step);
    }
}
