using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>
/// The frozen encoders a study compares, made once each: the video tokenizer's (pretrained here when its run is missing
/// or partial, or one given checkpoint), the same architecture randomly initialised, and the image-only twin's.
/// </summary>
public sealed class StudyEncoders : IDisposable
{
    private readonly Dictionary<FeatureEncoder, (Magvit3dVqvae Model, string Identity)> _made = new();
    private readonly StudyProfile _profile;
    private readonly StudyPaths _paths;
    private readonly Device _device;
    private readonly Action<StudyProgress> _report;

    /// <param name="profile">The study profile (its tokenizer profile).</param>
    /// <param name="paths">Where the tokenizer runs live.</param>
    /// <param name="device">Where the encoders run.</param>
    /// <param name="report">Events and (throttled) tokenizer training progress.</param>
    public StudyEncoders(StudyProfile profile, StudyPaths paths, Device device, Action<StudyProgress> report)
    {
        (_profile, _paths, _device, _report) = (profile, paths, device, report);
    }

    /// <summary>Also write tokenizer-ema.safetensors when a tokenizer is trained here (as <c>magvitseg pretrain</c>).</summary>
    public bool ExportSafetensors { get; set; } = true;

    /// <summary>
    /// The image-only baseline's tokenizer: the video profile's 2D twin, trained for the same steps on the frames of the
    /// same clips (clip batch x T frames per step, so both see the same pixels).
    /// </summary>
    public TokenizerProfile ImageTwinProfile()
    {
        var twin = _profile.Tokenizer.ImageTwin();
        return twin with { Training = twin.Training with { BatchSize = _profile.Tokenizer.Training.BatchSize * _profile.Tokenizer.Vqvae.Frames } };
    }

    /// <summary>The frozen encoder of a kind and its identity (for cache keys).</summary>
    public (Magvit3dVqvae Model, string Identity) Get(FeatureEncoder kind)
    {
        if (_made.TryGetValue(kind, out var cached)) return cached;
        var made = kind switch
        {
            FeatureEncoder.Video => Video(),
            FeatureEncoder.Image => Image(),
            FeatureEncoder.Random => Random(),
            _ => throw new ArgumentException($"StudyRunner: {kind} has no encoder."),
        };
        _made[kind] = made;
        return made;
    }

    private (Magvit3dVqvae, string) Video()
    {
        string ckpt;
        // A mistyped checkpoint path must not become a folder that a fresh tokenizer is trained into.
        if (_paths.Tokenizer.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) && !File.Exists(_paths.Tokenizer))
            throw new FileNotFoundException($"Tokenizer checkpoint '{_paths.Tokenizer}' does not exist. Give an existing .ckpt file " +
                                            "(e.g. <run>/checkpoints/step-00003000.ckpt) or a tokenizer run folder.", _paths.Tokenizer);
        if (File.Exists(_paths.Tokenizer))
        {
            ckpt = _paths.Tokenizer;
            var saved = TokenizerCheckpoint.ReadProfile(ckpt);
            if (!string.Equals(saved.Name, _profile.Tokenizer.Name, StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"Tokenizer checkpoint '{ckpt}' is of profile '{saved.Name}'; the '{_profile.Name}' study " +
                                                    $"compares encoders of profile '{_profile.Tokenizer.Name}'. Use a checkpoint of that profile.");
            _report(new(StudyStage.Tokenizer, $"tokenizer: the checkpoint {ckpt} as it is (its run is not resumed)"));
        }
        else
        {
            var run = TokenizerRun.Ensure(_profile.Tokenizer, _paths.Tokenizer, _device, TrainingProgress(), exportSafetensors: ExportSafetensors);
            _report(new(StudyStage.Tokenizer, "tokenizer: " + run.Describe(), StudyEvent.Finished));
            ckpt = run.Checkpoint;
        }
        return (Frozen(TokenizerCheckpoint.LoadEmaModel(ckpt, _device)), "video:sha256=" + FeatureCacheKey.FileHash(ckpt));
    }

    private (Magvit3dVqvae, string) Image()
    {
        var twin = ImageTwinProfile();
        var v = _profile.Tokenizer.Vqvae;
        var run = TokenizerRun.Ensure(twin, _paths.ImageTokenizer, _device, TrainingProgress(), exportSafetensors: ExportSafetensors,
            train: new FramesOfClips(TokenizerRun.ShapesSource(v, twin.Training.Seed), v.Frames),
            heldOut: new FramesOfClips(TokenizerRun.ShapesSource(v, twin.Training.Seed + TokenizerRun.HeldOutSeedOffset), v.Frames));
        _report(new(StudyStage.Tokenizer, "image tokenizer: " + run.Describe(), StudyEvent.Finished));
        string ckpt = run.Checkpoint;
        return (Frozen(TokenizerCheckpoint.LoadEmaModel(ckpt, _device)), "image:sha256=" + FeatureCacheKey.FileHash(ckpt));
    }

    private (Magvit3dVqvae, string) Random()
    {
        const int seed = 0;
        TorchRuntime.Seed(seed);
        var model = new Magvit3dVqvae(_profile.Tokenizer.Vqvae);
        model.to(_device);
        string arch = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(_profile.Tokenizer.Vqvae))))[..16];
        return (Frozen(model), $"random:seed={seed}:{_profile.Tokenizer.Name}:{arch}");
    }

    private Action<string> TrainingProgress() => StudyProgress.Throttled(line => _report(new(StudyStage.Tokenizer, line, StudyEvent.Running)));

    /// <summary>A private trainable copy of <paramref name="source"/> (the fine-tuned arm; the frozen arms keep theirs).</summary>
    public static Magvit3dVqvae Copy(Magvit3dVqvae source)
    {
        var model = new Magvit3dVqvae(source.Config);
        using (no_grad())
        {
            var target = model.state_dict();
            foreach (var (name, value) in source.state_dict()) target[name].copy_(value);
        }
        return model;
    }

    /// <summary>Freezes the encoder and puts the model in eval mode.</summary>
    public static Magvit3dVqvae Frozen(Magvit3dVqvae model)
    {
        model.FreezeEncoder();
        model.eval();
        return model;
    }

    public void Dispose()
    {
        foreach (var (model, _) in _made.Values) model.Dispose();
        _made.Clear();
    }
}
