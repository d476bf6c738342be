using MagvitSeg.Config;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// A tokenizer run folder that is trained to its profile's last step at most once: a finished run is reused, a partial
/// one resumes from its newest checkpoint, a missing one starts. Studies and notebooks call this instead of
/// re-implementing the pretrain verb.
/// </summary>
public static class PretrainRun
{
    /// <summary>The final checkpoint of a finished run in <paramref name="dir"/>, or null when the run is missing or partial.</summary>
    public static string? Finished(string dir, TokenizerProfile profile)
    {
        var list = TokenizerCheckpoint.List(new PretrainOutput(dir).Checkpoints);
        if (list.Count == 0) return null;
        var (step, path) = list[^1];
        var saved = TokenizerCheckpoint.ReadProfile(path);
        if (saved.Name != profile.Name || saved.Vqvae != profile.Vqvae && !SameArchitecture(saved.Vqvae, profile.Vqvae))
            throw new InvalidDataException($"'{dir}' holds a '{saved.Name}' tokenizer run, not '{profile.Name}'. Pass another folder or delete it.");
        return step >= saved.Training.Steps ? path : null;
    }

    /// <summary>Trains (or resumes) the run in <paramref name="dir"/> to its last step and returns the final checkpoint.</summary>
    /// <param name="profile">Used when the folder has no checkpoint; a partial run continues with its saved profile.</param>
    /// <param name="dir">Run folder (config.json, metrics.csv, checkpoints/, figures/).</param>
    /// <param name="train">Training clips for a seed.</param>
    /// <param name="heldOut">Held-out clips for periodic evaluation.</param>
    /// <param name="device">Where to train.</param>
    /// <param name="log">Progress lines.</param>
    /// <exception cref="NonFiniteLossException">The loss diverged; the newest checkpoint on disk predates it.</exception>
    public static string EnsureTrained(TokenizerProfile profile, string dir, IClipSource train, IClipSource? heldOut, Device device,
        Action<string>? log = null)
    {
        if (Finished(dir, profile) is { } done)
        {
            log?.Invoke($"tokenizer: reusing the finished run {done}");
            return done;
        }
        var output = new PretrainOutput(dir);
        string? latest = TokenizerCheckpoint.Latest(output.Checkpoints);
        using var trainer = latest is null ? new TokenizerTrainer(profile, device) : TokenizerCheckpoint.Load(latest, device);
        log?.Invoke(latest is null
            ? $"tokenizer: training {profile.Name} for {profile.Training.Steps} steps into {dir}"
            : $"tokenizer: resuming {latest} at step {trainer.Step}");
        PretrainLoop.Run(trainer, train, heldOut, output, trainer.Profile.Training.Steps, log);
        TokenizerCheckpoint.ExportSafetensors(trainer.EmaModel, Path.Combine(dir, "tokenizer-ema.safetensors"));
        return TokenizerCheckpoint.Latest(output.Checkpoints)!;
    }

    // Records holding arrays compare by reference; compare the serialised form instead.
    private static bool SameArchitecture(VqvaeConfig a, VqvaeConfig b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b) &&
        a.Multipliers.SequenceEqual(b.Multipliers) && a.TimeDown.SequenceEqual(b.TimeDown);
}
