using MagvitSeg.Config;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Training;

/// <summary>Small profiles and sources for training tests.</summary>
internal static class TrainingFixtures
{
    /// <summary>The tiny profile with every trainer feature switched on from step 1 (GAN, lazy R1, LeCAM, re-seeding).</summary>
    public static TokenizerProfile AllFeatures(int steps = 4) => TokenizerProfile.Tiny with
    {
        Training = TokenizerProfile.Tiny.Training with
        {
            Steps = steps, BatchSize = 1, WarmupSteps = 2, DiscriminatorStartStep = 1, R1Every = 2, LecamWeight = 0.1,
            ReseedDeadCodesEvery = 2, LogEvery = 2, CheckpointEvery = 1000, EvalEvery = 0, Seed = 7,
        },
    };

    public static IClipSource Clips(TokenizerProfile p, long seed = 1) =>
        new ProceduralClips(p.Vqvae.Frames, p.Vqvae.Height, p.Vqvae.Width, seed);

    /// <summary>Every tensor of the trainer's three models, by qualified name, on the CPU.</summary>
    public static Dictionary<string, Tensor> State(TokenizerTrainer trainer)
    {
        var all = new Dictionary<string, Tensor>();
        foreach (var (prefix, module) in new (string, TorchSharp.torch.nn.Module?)[] { ("model", trainer.Model), ("ema", trainer.EmaModel), ("disc", trainer.Discriminator) })
            if (module is not null)
                foreach (var (name, t) in module.state_dict()) all[$"{prefix}.{name}"] = t.detach().cpu().clone();
        return all;
    }

    // One folder per test process, removed when the process exits: the training tests write checkpoints
    // (megabytes each) and a CI disk should not fill up run after run.
    private static readonly Lazy<string> ProcessRoot = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "magvitseg-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    public static string TempDir()
    {
        string d = Path.Combine(ProcessRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

/// <summary>A source that returns NaN clips from a given step on.</summary>
internal sealed class PoisonedClips(IClipSource inner, long fromStep) : IClipSource
{
    public Tensor Batch(long step, int batchSize)
    {
        var b = inner.Batch(step, batchSize);
        if (step >= fromStep) b.fill_(double.NaN);
        return b;
    }
}
