using System.Globalization;
using System.Text;
using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// Training checkpoints: one binary file holding the profile (JSON), step, VQ model, EMA model, discriminator, both
/// optimisers' states, LeCAM averages and torch's CPU RNG state, so a resumed run continues the same curve.
/// Files are written to a temporary name and renamed (atomic); only the newest N are kept.
/// </summary>
public static class TokenizerCheckpoint
{
    private const string Magic = "MAGVITSEG-TOKENIZER-CHECKPOINT-1";

    /// <summary>JSON options used for profiles in checkpoints and config.json.</summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };

    /// <summary>The file name of the checkpoint of <paramref name="step"/>.</summary>
    public static string FileName(long step) => $"step-{step:D8}.ckpt";

    /// <summary>Saves <paramref name="trainer"/>'s state to <paramref name="path"/> atomically.</summary>
    public static void Save(TokenizerTrainer trainer, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(JsonSerializer.Serialize(trainer.Profile, Json));
            w.Write(trainer.Step);
            trainer.Model.save(w);
            trainer.EmaModel.save(w);
            w.Write(trainer.Discriminator is not null);
            trainer.Discriminator?.save(w);
            trainer.GeneratorOptimizer.save_state_dict(w);
            trainer.DiscriminatorOptimizer?.save_state_dict(w);
            w.Write(trainer.LecamReal.cpu().item<float>());
            w.Write(trainer.LecamFake.cpu().item<float>());
            var rng = torch.random.get_rng_state();
            var bytes = rng.data<byte>().ToArray();
            w.Write(bytes.Length);
            w.Write(bytes);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads only the profile stored in a checkpoint.</summary>
    /// <exception cref="InvalidDataException">The file is not a MagvitSeg tokenizer checkpoint.</exception>
    public static TokenizerProfile ReadProfile(string path)
    {
        using var stream = OpenChecked(path, out var r);
        using (r) return ParseProfile(r.ReadString(), path);
    }

    /// <summary>Creates a trainer from a checkpoint on <paramref name="device"/> and restores every piece of state.</summary>
    public static TokenizerTrainer Load(string path, Device device)
    {
        var trainer = new TokenizerTrainer(ReadProfile(path), device);
        Restore(trainer, path);
        return trainer;
    }

    /// <summary>Restores a checkpoint into an existing trainer built for the same profile.</summary>
    /// <exception cref="InvalidDataException">Wrong file, or a different profile than the trainer's.</exception>
    public static void Restore(TokenizerTrainer trainer, string path)
    {
        using var stream = OpenChecked(path, out var r);
        using (r)
        {
            var profile = ParseProfile(r.ReadString(), path);
            if (JsonSerializer.Serialize(profile, Json) != JsonSerializer.Serialize(trainer.Profile, Json))
                throw new InvalidDataException($"Checkpoint '{path}' was written for profile '{profile.Name}' with different settings than this run ('{trainer.Profile.Name}'); resume with the checkpoint's config.json or start a new --out folder.");
            long step = r.ReadInt64();
            trainer.Model.load(r);
            trainer.EmaModel.load(r);
            bool hasDisc = r.ReadBoolean();
            if (hasDisc != (trainer.Discriminator is not null))
                throw new InvalidDataException($"Checkpoint '{path}': discriminator presence differs from the profile.");
            trainer.Discriminator?.load(r);
            trainer.GeneratorOptimizer.load_state_dict(r);
            trainer.DiscriminatorOptimizer?.load_state_dict(r);
            using (no_grad())
            {
                trainer.LecamReal.fill_(r.ReadSingle());
                trainer.LecamFake.fill_(r.ReadSingle());
            }
            int n = r.ReadInt32();
            var bytes = r.ReadBytes(n);
            torch.random.set_rng_state(tensor(bytes, dtype: uint8));
            trainer.RestoreStep(step);
        }
    }

    /// <summary>Loads only the EMA weights of a checkpoint into a fresh model for evaluation or downstream use.</summary>
    public static Magvit3dVqvae LoadEmaModel(string path, Device device)
    {
        using var trainer = Load(path, CPU);
        var model = new Magvit3dVqvae(trainer.Profile.Vqvae);
        using (no_grad())
        {
            var target = model.state_dict();
            foreach (var (name, value) in trainer.EmaModel.state_dict()) target[name].copy_(value);
        }
        model.to(device);
        model.eval();
        return model;
    }

    /// <summary>Writes a model's weights as safetensors (PyTorch users: <c>safetensors.torch.load_file</c>), atomically.</summary>
    public static void ExportSafetensors(nn.Module model, string path)
    {
        string tmp = path + ".tmp";
        model.save_safetensors(tmp);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Checkpoints in <paramref name="directory"/>, oldest first.</summary>
    public static IReadOnlyList<(long Step, string Path)> List(string directory)
    {
        if (!Directory.Exists(directory)) return Array.Empty<(long, string)>();
        return Directory.GetFiles(directory, "step-*.ckpt")
            .Select(p => (Step: long.Parse(Path.GetFileNameWithoutExtension(p)["step-".Length..], CultureInfo.InvariantCulture), Path: p))
            .OrderBy(c => c.Step).ToArray();
    }

    /// <summary>The newest checkpoint in <paramref name="directory"/>, or null.</summary>
    public static string? Latest(string directory) => List(directory).Select(c => c.Path).LastOrDefault();

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        foreach (var (_, p) in all.Take(Math.Max(0, all.Count - Math.Max(1, keep)))) File.Delete(p);
    }

    private static FileStream OpenChecked(string path, out BinaryReader reader)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' not found.", path);
        var stream = File.OpenRead(path);
        reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic;
        try { magic = reader.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { magic = ""; }
        if (magic != Magic)
        {
            reader.Dispose();
            stream.Dispose();
            throw new InvalidDataException($"'{path}' is not a MagvitSeg tokenizer checkpoint (missing header '{Magic}'). Pass a file from <out>/checkpoints/.");
        }
        return stream;
    }

    private static TokenizerProfile ParseProfile(string json, string path) =>
        JsonSerializer.Deserialize<TokenizerProfile>(json, Json)
        ?? throw new InvalidDataException($"Checkpoint '{path}': the profile record is empty.");
}
