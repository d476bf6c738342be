using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>What <see cref="TokenizerRun.Ensure"/> did.</summary>
public enum TokenizerRunAction
{
    /// <summary>A finished run was already in the folder: nothing trained.</summary>
    Reused,
    /// <summary>An unfinished run was continued from its newest checkpoint to its final step.</summary>
    Resumed,
    /// <summary>No run was there: one was trained from scratch.</summary>
    Trained,
}

/// <summary>A finished tokenizer run.</summary>
/// <param name="Output">The run folder (metrics.csv, eval.csv, checkpoints/, figures/).</param>
/// <param name="Checkpoint">The final checkpoint.</param>
/// <param name="Profile">The run's profile (as saved in the checkpoint).</param>
/// <param name="Action">Reused, resumed or trained.</param>
/// <param name="Summary">The training summary when this call trained, else null.</param>
public sealed record TokenizerRunResult(PretrainOutput Output, string Checkpoint, TokenizerProfile Profile, TokenizerRunAction Action,
                                        PretrainSummary? Summary)
{
    /// <summary>One line saying what happened, for notebooks and logs.</summary>
    public string Describe() => Action switch
    {
        TokenizerRunAction.Reused => $"reused the finished '{Profile.Name}' run in {Output.Root} ({Profile.Training.Steps} steps; delete the folder to retrain)",
        TokenizerRunAction.Resumed => $"resumed the '{Profile.Name}' run in {Output.Root} and finished it at step {Profile.Training.Steps}",
        _ => $"trained the '{Profile.Name}' tokenizer for {Profile.Training.Steps} steps into {Output.Root}",
    };
}

/// <summary>
/// The tokenizer run of a profile as notebooks use it: reuse a finished run, resume an unfinished one, or train one,
/// on the embedded MovingShapes data with the same sources, loop, checkpoints and EMA export as <c>magvitseg pretrain</c>.
/// </summary>
public static class TokenizerRun
{
    /// <summary>Seed offset of the held-out clips (as <c>magvitseg pretrain</c>).</summary>
    public const long HeldOutSeedOffset = 1_000_000;

    /// <summary>The default run folder of a profile: <c>results/&lt;profile&gt;/tokenizer</c>.</summary>
    public static string DefaultFolder(string profile) => RepoPaths.Results(profile, "tokenizer");

    /// <summary>MovingShapes clips of the profile's clip size with the given seed (training: the profile's seed).</summary>
    public static IClipSource ShapesSource(VqvaeConfig v, long seed) =>
        new MovingShapesSource(new MovingShapes(new MovingShapesConfig { Size = v.Height, Frames = v.Frames, Seed = seed }));

    /// <summary>The held-out clips a run of <paramref name="profile"/> evaluates on.</summary>
    public static IClipSource HeldOut(TokenizerProfile profile) => ShapesSource(profile.Vqvae, profile.Training.Seed + HeldOutSeedOffset);

    /// <summary>The newest checkpoint of the run in <paramref name="folder"/> when the run is finished (at its final step), else null.</summary>
    public static string? Finished(string folder)
    {
        string dir = new PretrainOutput(folder).Checkpoints;
        if (TokenizerCheckpoint.NewestIntact(dir) is not { } latest) return null;
        long step = TokenizerCheckpoint.List(dir).Single(c => c.Path == latest).Step;
        return step >= TokenizerCheckpoint.ReadProfile(latest).Training.Steps ? latest : null;
    }

    /// <summary>
    /// Makes sure <paramref name="folder"/> holds a finished run of <paramref name="profile"/>: a finished run there is
    /// reused (whatever its step count), an unfinished one resumed with its saved settings, none trained from scratch.
    /// </summary>
    /// <param name="profile">The profile to train when there is no run.</param>
    /// <param name="folder">The run folder (e.g. <see cref="DefaultFolder"/>).</param>
    /// <param name="device">Where to train.</param>
    /// <param name="log">Console-style lines: resume, evaluations, the end of the run, and the per-step lines unless <paramref name="onScalars"/> takes them.</param>
    /// <param name="onScalars">Step and scalars every LogEvery steps (live progress).</param>
    /// <param name="evalBatches">Held-out batches per evaluation.</param>
    /// <param name="exportSafetensors">Also write tokenizer-ema.safetensors (as <c>magvitseg pretrain</c>). Notebook kernels pass
    /// false: there TorchSharp.PyBridge binds to another load context's TorchSharp (MissingMethodException).</param>
    /// <param name="train">Training clips; null = MovingShapes at the profile's clip size and seed.</param>
    /// <param name="heldOut">Held-out clips; null = <see cref="HeldOut"/>.</param>
    /// <exception cref="InvalidOperationException">The folder holds a run of another profile.</exception>
    /// <exception cref="NonFiniteLossException">Training diverged.</exception>
    public static TokenizerRunResult Ensure(TokenizerProfile profile, string folder, Device device, Action<string>? log = null,
        Action<long, IReadOnlyDictionary<string, double>>? onScalars = null, int evalBatches = 2, bool exportSafetensors = true,
        IClipSource? train = null, IClipSource? heldOut = null)
    {
        var output = new PretrainOutput(folder);
        // A finished run is only read; anything else writes the folder, which one process at a time may do.
        using var runLock = Finished(folder) is null ? RunLock.Acquire(folder, log) : null;
        string? latest = TokenizerCheckpoint.NewestIntact(output.Checkpoints, log);
        TokenizerTrainer trainer;
        TokenizerRunAction action;
        if (latest is not null)
        {
            var saved = TokenizerCheckpoint.ReadProfile(latest);
            if (!string.Equals(saved.Name, profile.Name, StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException(
                    $"'{folder}' holds a tokenizer run of profile '{saved.Name}', not '{profile.Name}': use another folder or delete it.");
            if (Finished(folder) is { } done)
                return new TokenizerRunResult(output, done, saved, TokenizerRunAction.Reused, null);
            trainer = TokenizerCheckpoint.Load(latest, device);
            action = TokenizerRunAction.Resumed;
            log?.Invoke($"resuming the '{saved.Name}' run from {latest} (step {trainer.Step} of {saved.Training.Steps})");
        }
        else
        {
            trainer = new TokenizerTrainer(profile, device);
            action = TokenizerRunAction.Trained;
        }
        using (trainer)
        {
            var p = trainer.Profile;
            // With a live progress display the per-step lines would only repeat it.
            Action<string>? loopLog = log is null || onScalars is null ? log : line => { if (!line.StartsWith("step ", StringComparison.Ordinal)) log(line); };
            var summary = PretrainLoop.Run(trainer, train ?? ShapesSource(p.Vqvae, p.Training.Seed), heldOut ?? HeldOut(p), output, p.Training.Steps,
                                           loopLog, evalBatches, onScalars);
            if (exportSafetensors) TokenizerCheckpoint.ExportSafetensors(trainer.EmaModel, Path.Combine(folder, "tokenizer-ema.safetensors"));
            string final = TokenizerCheckpoint.Latest(output.Checkpoints)
                           ?? throw new InvalidOperationException($"The run in '{folder}' ended without a checkpoint.");
            return new TokenizerRunResult(output, final, p, action, summary);
        }
    }
}
