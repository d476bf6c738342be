using System.Diagnostics;
using MagvitSeg.Config;
using MagvitSeg.Data.Synthetic;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>Throughput of one profile on one device.</summary>
/// <param name="Profile">Profile name.</param>
/// <param name="BatchSize">Clips per step.</param>
/// <param name="TrainClipsPerSecond">Full training steps (VQ + discriminator with R1 on its lazy schedule), after one warm-up step.</param>
/// <param name="EncodeClipsPerSecond">Encode + quantise under no_grad in eval mode.</param>
/// <param name="PeakRssMiB">Process peak resident set so far (MiB), read after this profile.</param>
/// <param name="EarlyRssMiB">Resident set after the first tenth of the timed training steps (MiB).</param>
/// <param name="EndRssMiB">Resident set after the last training step (MiB): much above EarlyRssMiB means tensors leak per step.</param>
public sealed record TokenizerBenchResult(string Profile, int BatchSize, double TrainClipsPerSecond, double EncodeClipsPerSecond, double PeakRssMiB,
    double EarlyRssMiB, double EndRssMiB);

/// <summary>Measures tokenizer training and encoding speed on procedural clips.</summary>
public static class TokenizerBenchmark
{
    /// <summary>Runs <paramref name="steps"/> timed training steps and encode batches of <paramref name="profile"/>.</summary>
    public static TokenizerBenchResult Run(TokenizerProfile profile, Device device, int steps)
    {
        if (steps < 1) throw new ArgumentException($"Benchmark steps must be at least 1, got {steps}.");
        var p = profile with { Training = profile.Training with { DiscriminatorStartStep = 0, Steps = steps + 1 } };
        var clips = new ProceduralClips(p.Vqvae.Frames, p.Vqvae.Height, p.Vqvae.Width, seed: 0);
        int b = p.Training.BatchSize;
        using var trainer = new TokenizerTrainer(p, device);
        trainer.TrainStep(clips.Batch(0, b)).Dispose(); // warm-up: allocator and kernels
        var sw = Stopwatch.StartNew();
        Tensor? last = null;
        double early = 0;
        for (int i = 1; i <= steps; i++)
        {
            last?.Dispose();
            last = trainer.TrainStep(clips.Batch(i, b));
            if (i == Math.Max(1, steps / 10)) early = CurrentRssMiB();
        }
        last!.cpu().Dispose(); // waits for the device
        last.Dispose();
        double train = steps * b / sw.Elapsed.TotalSeconds;
        double end = CurrentRssMiB();

        var model = trainer.EmaModel;
        using (no_grad())
        {
            using var batch = clips.Batch(1000, b).to(device);
            model.Encode(batch).Indices.Dispose();
            sw.Restart();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                model.Encode(batch).Indices.cpu();
            }
        }
        double encode = steps * b / sw.Elapsed.TotalSeconds;
        double rss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        return new TokenizerBenchResult(p.Name, b, train, encode, rss, early, end);
    }

    private static double CurrentRssMiB()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / (1024.0 * 1024.0);
    }
}
