using System.Globalization;
using System.Text;
using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// Training checkpoints: one binary file holding the profile (JSON), step, VQ model, EMA model, discriminator, both
/// optimisers' states, LeCAM averages and torch's CPU RNG state, so a resumed run continues the same curve.
/// Files are written to a temporary name and renamed (atomic); only the newest N are kept.
/// Format 2 puts the payload's length and SHA-256 right after the header, and every read checks them before anything
/// is deserialised, so a truncated or damaged file is named (with expected and actual length or hash) instead of failing
/// deep inside a reader. Format 1 files (before checksums) still load, reported as unverified by <see cref="Check"/>.
/// </summary>
public static class TokenizerCheckpoint
{
    private const string Magic = "MAGVITSEG-TOKENIZER-CHECKPOINT-2";
    private const string MagicV1 = "MAGVITSEG-TOKENIZER-CHECKPOINT-1";
    private const int ChecksumBytes = 32;

    // Files already verified in this process, by (path, length, write time): a run reads the same file several times.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, long, DateTime), bool> Verified = new();

    /// <summary>JSON options used for profiles in checkpoints and config.json.</summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };

    /// <summary>The file name of the checkpoint of <paramref name="step"/>.</summary>
    public static string FileName(long step) => $"step-{step:D8}.ckpt";

    /// <summary>Saves <paramref name="trainer"/>'s state to <paramref name="path"/> atomically.</summary>
    public static void Save(TokenizerTrainer trainer, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write(Magic);
            long lengthAt = stream.Position;
            w.Write(0L);
            w.Write(new byte[ChecksumBytes]);
            long payloadAt = stream.Position;
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
            w.Flush();
            long payload = stream.Length - payloadAt;
            var sha = Convert.FromHexString(FileChecksum.Sha256(stream, payloadAt, payload));
            stream.Seek(lengthAt, SeekOrigin.Begin);
            w.Write(payload);
            w.Write(sha);
            w.Flush();
            stream.Flush(flushToDisk: true);
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
        try
        {
            var profile = ParseProfile(r.ReadString(), path);
            if (JsonSerializer.Serialize(profile, Json) != JsonSerializer.Serialize(trainer.Profile, Json))
                throw new InvalidDataException($"Checkpoint '{path}' was written for profile '{profile.Name}' with different settings than this run ('{trainer.Profile.Name}'); resume with the checkpoint's config.json or start a new --out folder.");
            long step = r.ReadInt64();
            var model = TokenizerStateLoader.Load(trainer.Model, "", trainer.Profile.Vqvae, r);
            trainer.EmaModel.load(r);
            bool hasDisc = r.ReadBoolean();
            if (hasDisc != (trainer.Discriminator is not null))
                throw new InvalidDataException($"Checkpoint '{path}': discriminator presence differs from the profile.");
            trainer.Discriminator?.load(r);
            if (model.Layout == StateLayout.PreLevels) LoadInFileOrder(trainer.GeneratorOptimizer, trainer.Model, model.Keys, r);
            else trainer.GeneratorOptimizer.load_state_dict(r);
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
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or ArgumentException or JsonException)
        {
            // Only format 1 files (no checksum) get here with damage; format 2 was verified before this point.
            throw new InvalidDataException($"Checkpoint '{path}' is damaged (reading it failed: {e.Message}); resume from an earlier checkpoint or retrain with --force.", e);
        }
    }

    // Adam keeps one state per parameter, in the order Model.parameters() listed them when the file was written. The
    // decoder's levels changed that order, so a pre-level file's states are read with the parameters in the file's order.
    private static void LoadInFileOrder(optim.Optimizer optimizer, nn.Module model, IReadOnlyList<string> fileKeys, BinaryReader r)
    {
        var byName = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var group = (TorchSharp.Modules.ParamGroup)optimizer.ParamGroups.Single();
        var current = group.Parameters;
        group.Parameters = fileKeys.Where(byName.ContainsKey).Select(k => byName[k]).ToArray();
        try
        {
            ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(r);
        }
        finally
        {
            group.Parameters = current;
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

    /// <summary>
    /// Writes a model's weights as safetensors, atomically (PyTorch users: <c>python/magvitseg_torch.py</c>): every parameter
    /// and persistent buffer except the vector quantiser's code-usage counts, a training statistic, not a weight.
    /// </summary>
    public static void ExportSafetensors(nn.Module model, string path)
    {
        var quantizers = model.named_modules().Where(m => m.module is VectorQuantizer).Select(m => m.name + ".")
            .Concat(model is VectorQuantizer ? new[] { "" } : Array.Empty<string>());
        var skip = quantizers.Select(prefix => prefix + VectorQuantizer.UsageBufferName).ToHashSet(StringComparer.Ordinal);
        SafetensorsFile.Write(path, model.state_dict().Where(kv => !skip.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });
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

    /// <summary>
    /// The newest checkpoint in <paramref name="directory"/> that passes <see cref="Check"/>, or null when there is none at
    /// all. Damaged newer ones are skipped with one line each through <paramref name="log"/>; an unverified (format 1)
    /// one is used and said so.
    /// </summary>
    /// <exception cref="InvalidDataException">Every checkpoint in the folder is damaged.</exception>
    public static string? NewestIntact(string directory, Action<string>? log = null)
    {
        var all = List(directory);
        if (all.Count == 0) return null;
        foreach (var (_, path) in all.Reverse())
        {
            var check = Check(path);
            if (check.Status == CheckpointStatus.Damaged) { log?.Invoke($"skipping a damaged checkpoint: {check.Message}"); continue; }
            if (check.Status == CheckpointStatus.Unverified) log?.Invoke(check.Message);
            return path;
        }
        throw new InvalidDataException($"Every checkpoint in '{directory}' is damaged ({string.Join(", ", all.Select(c => Path.GetFileName(c.Path)))}): " +
                                       "there is nothing to resume from; start the run again with --force (or in another --out folder).");
    }

    /// <summary>
    /// Checks a checkpoint's header, payload length and SHA-256 without deserialising anything; the message names the
    /// file and says what was expected and found.
    /// </summary>
    public static CheckpointCheck Check(string path)
    {
        if (!File.Exists(path)) return new(CheckpointStatus.Damaged, $"Checkpoint '{path}' not found.");
        var info = new FileInfo(path);
        var memo = (Path.GetFullPath(path), info.Length, info.LastWriteTimeUtc);
        if (Verified.ContainsKey(memo)) return new(CheckpointStatus.Verified, $"Checkpoint '{path}' verified.");
        const string Fix = "resume from an earlier checkpoint (pretrain --resume skips damaged ones) or retrain with --force.";
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        string magic;
        try { magic = r.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { magic = ""; }
        if (magic == MagicV1)
            return new(CheckpointStatus.Unverified, $"checkpoint '{path}' was written before checkpoints carried a checksum (format 1): loaded unverified.");
        if (magic != Magic)
            return new(CheckpointStatus.Damaged, $"checkpoint '{path}' is damaged or not a MagvitSeg tokenizer checkpoint: no header '{Magic}' ({info.Length} bytes); {Fix}");
        long headerEnd = stream.Position + sizeof(long) + ChecksumBytes;
        if (info.Length < headerEnd)
            return new(CheckpointStatus.Damaged, $"checkpoint '{path}' is damaged: {info.Length} bytes, shorter than its header (truncated); {Fix}");
        long expected = r.ReadInt64();
        string sha = Convert.ToHexStringLower(r.ReadBytes(ChecksumBytes));
        long actual = info.Length - headerEnd;
        if (actual != expected)
            return new(CheckpointStatus.Damaged, $"checkpoint '{path}' is damaged: payload {actual} bytes, expected {expected} (truncated?); {Fix}");
        string found = FileChecksum.Sha256(stream, headerEnd, actual);
        if (found != sha)
            return new(CheckpointStatus.Damaged, $"checkpoint '{path}' is damaged: payload SHA-256 {found[..16]}..., expected {sha[..16]}...; {Fix}");
        Verified[memo] = true;
        return new(CheckpointStatus.Verified, $"Checkpoint '{path}' verified.");
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string directory, int keep)
    {
        var all = List(directory);
        foreach (var (_, p) in all.Take(Math.Max(0, all.Count - Math.Max(1, keep)))) File.Delete(p);
    }

    private static FileStream OpenChecked(string path, out BinaryReader reader)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' not found.", path);
        var check = Check(path);
        if (check.Status == CheckpointStatus.Damaged) throw new InvalidDataException(char.ToUpperInvariant(check.Message[0]) + check.Message[1..]);
        var stream = File.OpenRead(path);
        reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string magic = reader.ReadString();
        if (magic == Magic) stream.Seek(sizeof(long) + ChecksumBytes, SeekOrigin.Current);
        return stream;
    }

    private static TokenizerProfile ParseProfile(string json, string path) =>
        JsonSerializer.Deserialize<TokenizerProfile>(json, Json)
        ?? throw new InvalidDataException($"Checkpoint '{path}': the profile record is empty.");
}

/// <summary>What <see cref="TokenizerCheckpoint.Check"/> found.</summary>
public enum CheckpointStatus
{
    /// <summary>Length and SHA-256 match the header.</summary>
    Verified,
    /// <summary>A format 1 file (no checksum): loadable, but damage would only show while reading it.</summary>
    Unverified,
    /// <summary>Missing header, wrong length or wrong hash.</summary>
    Damaged,
}

/// <summary>A checkpoint check: the status and one line naming the file and what was found.</summary>
public sealed record CheckpointCheck(CheckpointStatus Status, string Message);
