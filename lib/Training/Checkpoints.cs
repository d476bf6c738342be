using System.Text.Json;
using MagvitSeg.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>The non-tensor part of a checkpoint.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="DataPosition">The clip source's position, so a resumed run draws the same data.</param>
/// <param name="RngState">torch's CPU generator state (base64).</param>
/// <param name="Metrics">Last logged metrics.</param>
public sealed record CheckpointState(long Step, long DataPosition, string RngState, Dictionary<string, double> Metrics);

/// <summary>
/// Checkpoint folders <c>step_NNNNNNN/</c> holding model.bin, ema.bin, optim.bin and state.json. A checkpoint is
/// written into a temp folder and renamed into place, so a crash never leaves a half-written one; only the newest
/// <c>keep</c> are kept.
/// </summary>
public static class Checkpoints
{
    /// <summary>Writes a checkpoint atomically and prunes old ones; returns its folder.</summary>
    public static string Save(string dir, CheckpointState state, nn.Module model, nn.Module? ema, TorchSharp.Modules.OptimizerHelper? opt, int keep)
    {
        Directory.CreateDirectory(dir);
        string final = Path.Combine(dir, $"step_{state.Step:D7}");
        string tmp = final + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(tmp);
        model.save(Path.Combine(tmp, "model.bin"));
        ema?.save(Path.Combine(tmp, "ema.bin"));
        opt?.save_state_dict(Path.Combine(tmp, "optim.bin"));
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state, AtomicFile.Json));
        if (Directory.Exists(final)) Directory.Delete(final, true);
        Directory.Move(tmp, final);
        foreach (var old in List(dir).SkipLast(Math.Max(1, keep))) Directory.Delete(old, true);
        return final;
    }

    /// <summary>Complete checkpoint folders, oldest first.</summary>
    public static List<string> List(string dir) => !Directory.Exists(dir) ? new() :
        Directory.GetDirectories(dir, "step_*").Where(d => !d.Contains(".tmp-") && File.Exists(Path.Combine(d, "state.json")))
                 .OrderBy(d => d, StringComparer.Ordinal).ToList();

    /// <summary>Loads a checkpoint into the given objects; returns its state.</summary>
    /// <exception cref="FileNotFoundException">The folder is not a checkpoint.</exception>
    public static CheckpointState Load(string folder, nn.Module model, nn.Module? ema = null, TorchSharp.Modules.OptimizerHelper? opt = null)
    {
        string stateFile = Path.Combine(folder, "state.json");
        if (!File.Exists(stateFile)) throw new FileNotFoundException($"'{folder}' is not a MagvitSeg checkpoint (no state.json).", stateFile);
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(stateFile), AtomicFile.Json)
                    ?? throw new InvalidDataException($"{stateFile} is empty.");
        model.load(Path.Combine(folder, "model.bin"));
        if (ema is not null && File.Exists(Path.Combine(folder, "ema.bin"))) ema.load(Path.Combine(folder, "ema.bin"));
        if (opt is not null && File.Exists(Path.Combine(folder, "optim.bin"))) opt.load_state_dict(Path.Combine(folder, "optim.bin"));
        return state;
    }

    /// <summary>The model weights of a checkpoint folder, or of a run folder's newest checkpoint (EMA weights when present).</summary>
    public static string WeightsFile(string path)
    {
        string folder = File.Exists(Path.Combine(path, "state.json")) ? path
            : List(Path.Combine(path, "checkpoints")).LastOrDefault() ?? List(path).LastOrDefault()
              ?? throw new FileNotFoundException($"No checkpoint in '{path}'. Pass a run folder (with checkpoints/) or a step_NNNNNNN folder.");
        string ema = Path.Combine(folder, "ema.bin");
        return File.Exists(ema) ? ema : Path.Combine(folder, "model.bin");
    }

    /// <summary>torch's CPU RNG state as base64.</summary>
    public static string RngState()
    {
        using var s = random.get_rng_state();
        return Convert.ToBase64String(s.data<byte>().ToArray());
    }

    /// <summary>Restores torch's CPU RNG state.</summary>
    public static void SetRngState(string b64)
    {
        using var s = tensor(Convert.FromBase64String(b64), ScalarType.Byte);
        random.set_rng_state(s);
    }
}
