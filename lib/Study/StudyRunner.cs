using System.Diagnostics;
using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Masking;
using MagvitSeg.Models.Head;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>
/// The study (seg-head.md protocol): for each variant, features from its encoder (cached), then for each seed a head
/// trained with the same budget, inference on the held-out split, COCO mask AP and mIoU, and one row of study.csv.
/// Finished runs are reused, so an interrupted study continues where it stopped.
/// </summary>
public sealed class StudyRunner : IDisposable
{
    private readonly StudyEncoders _encoders;
    private readonly IProgress<StudyProgress>? _progress;
    private CocoImageSet? _train, _val;
    private readonly Dictionary<string, string> _annotationHashes = new();

    /// <summary>The profile.</summary>
    public StudyProfile Profile { get; }

    /// <summary>Folders.</summary>
    public StudyPaths Paths { get; }

    /// <summary>Device for encoders and heads.</summary>
    public Device Device { get; }

    /// <summary>Every report as a plain line (the CLI's output).</summary>
    public Action<string> Log { get; }

    /// <summary>
    /// Also write tokenizer-ema.safetensors when a tokenizer is trained here (as <c>magvitseg pretrain</c>). The default is
    /// true; notebooks set false, since TorchSharp.PyBridge fails inside the kernel (see environment.md).
    /// </summary>
    public bool ExportSafetensors { get => _encoders.ExportSafetensors; set => _encoders.ExportSafetensors = value; }

    /// <summary>Called after every head training step (frozen and fine-tuned) with the variant, the seed and the step's result: live progress.</summary>
    public Action<StudyVariant, int, HeadStepResult>? OnHeadStep { get; set; }

    /// <summary>
    /// Frozen-encoder heads trained side by side by <see cref="Run"/> (1: one after the other). Each keeps the
    /// process's libtorch thread setting, so with one thread per head the results are bit-identical to training them
    /// one at a time; the fine-tuned arm and every encoder and feature cache still run alone. When above 1,
    /// <see cref="OnHeadStep"/> and the progress sink are called from several threads.
    /// </summary>
    public int Jobs { get; set; } = 1;

    /// <param name="profile">What the study fixes.</param>
    /// <param name="paths">Where it reads and writes.</param>
    /// <param name="device">Where encoders and heads run.</param>
    /// <param name="log">Every report as a plain line.</param>
    /// <param name="progress">Every report, typed (stage, and whether it is running progress or an event).</param>
    public StudyRunner(StudyProfile profile, StudyPaths paths, Device device, Action<string>? log = null, IProgress<StudyProgress>? progress = null)
    {
        Profile = profile;
        Paths = paths;
        Device = device;
        Log = log ?? (_ => { });
        _progress = progress;
        _encoders = new StudyEncoders(profile, paths, device, Report);
    }

    private void Report(StudyProgress p)
    {
        Log(p.Message);
        _progress?.Report(p);
    }

    private void Report(StudyStage stage, string message, StudyEvent what = StudyEvent.Note, StudyVariant? variant = null, int? seed = null) =>
        Report(new StudyProgress(stage, message, what, variant?.Id, seed));

    private Action<string> Running(StudyStage stage, bool throttle = true)
    {
        Action<string> sink = line => Report(new StudyProgress(stage, line, StudyEvent.Running));
        return throttle ? StudyProgress.Throttled(sink) : sink;
    }

    /// <summary>The base feature selection.</summary>
    public FeatureSelection BaseSelection => FeatureSelection.Named(Profile.Selection);

    /// <summary>Head training split (loaded once).</summary>
    public CocoImageSet TrainSet => _train ??= StudyStills.Load(Profile, Paths, "train", Profile.TrainImages, Report);

    /// <summary>Evaluation split (loaded once).</summary>
    public CocoImageSet ValSet => _val ??= StudyStills.Load(Profile, Paths, "val", Profile.ValImages, Report);

    /// <summary>Runs every variant and seed of the profile (or the given subset) and writes study.csv / study.json.</summary>
    public List<StudyRow> Run(IReadOnlyList<StudyVariant>? variants = null, IReadOnlyList<int>? seeds = null)
    {
        variants ??= StudyVariant.Parse(Profile.Variants);
        // One study per folder; the stage verbs (train-head, predict) lock only their run folder, so they can run side by side.
        using var studyLock = RunLock.Acquire(Paths.Root, Log, recursive: false);
        AtomicFile.WriteJson(Path.Combine(Paths.Root, "config.json"), Config(variants, seeds));
        var rows = new List<StudyRow>();
        var total = Stopwatch.StartNew();
        int done = 0, count = variants.Sum(v => (seeds ?? Profile.SeedsOf(v)).Count);
        if (Jobs > 1) TrainFrozenHeadsSideBySide(variants, seeds);
        foreach (var v in variants)
            foreach (int seed in seeds ?? Profile.SeedsOf(v))
            {
                var r = RunHead(v, seed);
                rows.Add(new StudyRow(v.Id, v.Description, seed, r.Metrics.AP, r.Metrics.AP50, r.Metrics.AP75, r.Metrics.APs,
                    r.Metrics.APm, r.Metrics.APl, r.Metrics.MIoU, r.Metrics.APAgnostic, r.TrainSeconds));
                done++;
                double eta = total.Elapsed.TotalSeconds / done * (count - done);
                Report(StudyStage.Study, $"study {done}/{count}: ({v.Id}) seed {seed}: AP {r.Metrics.AP:F1}, AP50 {r.Metrics.AP50:F1}, mIoU {r.Metrics.MIoU:F1} " +
                    $"| elapsed {total.Elapsed:hh\\:mm\\:ss}, ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}", StudyEvent.Finished, v, seed);
                StudyTable.Write(Paths.Root, rows, Config(variants, seeds));
            }
        return rows;
    }

    // Why side by side: on CPU a head at one libtorch thread keeps one core busy (two threads gave 1.35x on 2 cores,
    // `bench head --threads`), and one thread per head keeps results independent of the core count. Encoders, the
    // stills and the feature caches are made first, one at a time (they write shared folders and use every core);
    // then the heads train, and Run's loop below finds them trained and evaluates them in order.
    private void TrainFrozenHeadsSideBySide(IReadOnlyList<StudyVariant> variants, IReadOnlyList<int>? seeds)
    {
        var frozen = variants.Where(v => !v.FineTune).ToList();
        foreach (var v in frozen)
        {
            var extractor = Extractor(v);
            foreach (var split in new[] { "train", "val" })
                foreach (var t in Features(extractor, split)) t.Dispose();
        }
        var runs = frozen.SelectMany(v => (seeds ?? Profile.SeedsOf(v)).Select(seed => (v, seed))).ToList();
        Report(StudyStage.Head, $"training {runs.Count} heads, {Math.Min(Jobs, runs.Count)} at a time", StudyEvent.Note);
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = Jobs }, run => TrainHead(run.v, run.seed));
    }

    /// <summary>Trains and evaluates one head (<see cref="TrainHead"/> then <see cref="EvaluateHead"/>); finished steps are reused.</summary>
    public HeadRunRecord RunHead(StudyVariant variant, int seed)
    {
        TrainHead(variant, seed);
        return EvaluateHead(variant, seed);
    }

    /// <summary>
    /// Trains one head on the variant's training features (or fine-tunes encoder + head) and writes head.pt (+ encoder.pt
    /// when fine-tuned), metrics.csv and train.json into the run folder; an identical finished training is reused.
    /// </summary>
    public HeadTrainRecord TrainHead(StudyVariant variant, int seed)
    {
        string dir = Paths.Run(variant.Id, seed);
        string record = Path.Combine(dir, "train.json");
        var extractor = Extractor(variant);
        string key = RunKey(extractor);
        if (File.Exists(record) && JsonSerializer.Deserialize<HeadTrainRecord>(File.ReadAllText(record), AtomicFile.Json) is { } old && old.Key == key
            && File.Exists(Path.Combine(dir, "head.pt")))
        {
            Report(StudyStage.Head, $"({variant.Id}) seed {seed}: reusing the trained head in {dir}", StudyEvent.Reused, variant, seed);
            return old;
        }
        if (File.Exists(record))
            Report(StudyStage.Head, $"({variant.Id}) seed {seed}: the head in {dir} was trained with other features, images or head settings; it is replaced", StudyEvent.Replaced, variant, seed);
        using var runLock = RunLock.Acquire(dir, Log);
        AtomicFile.WriteJson(Path.Combine(dir, "config.json"), new
        {
            variant, seed, profile = Profile.Name, head = Profile.Head, training = Profile.HeadTraining with { Seed = seed },
            batch = Profile.BatchSize, encoder = extractor.Identity, conditioning = extractor.Conditioning, selection = extractor.Selection,
            fine_tune_lr_scale = variant.FineTune ? Profile.FineTuneLrScale : (double?)null,
        });
        var (head, seconds, loss, channels) = variant.FineTune ? FineTune(variant, seed, dir) : TrainFrozen(variant, extractor, seed, dir);
        using (head) SaveModule(head, Path.Combine(dir, "head.pt"));
        var result = new HeadTrainRecord(variant.Id, seed, channels, seconds, loss, key);
        AtomicFile.WriteJson(record, result);
        return result;
    }

    /// <summary>
    /// Runs a trained head on the evaluation split: predictions.json (COCO results, compressed RLE), eval.txt (the
    /// COCOeval summary) and run.json (the metrics); an identical finished evaluation is reused.
    /// </summary>
    public HeadRunRecord EvaluateHead(StudyVariant variant, int seed)
    {
        string dir = Paths.Run(variant.Id, seed);
        string record = Path.Combine(dir, "run.json");
        var trained = File.Exists(Path.Combine(dir, "train.json"))
            ? JsonSerializer.Deserialize<HeadTrainRecord>(File.ReadAllText(Path.Combine(dir, "train.json")), AtomicFile.Json)
            : null;
        var extractor = Extractor(variant);
        string key = RunKey(extractor);
        // A change of inference settings re-evaluates a trained head; it does not retrain it.
        string evalKey = key + "/" + Profile.Inference.Identity + "/metrics" + HeadEvaluation.MetricsVersion;
        if (trained is null || trained.Key != key || !File.Exists(Path.Combine(dir, "head.pt")))
            throw new InvalidOperationException($"No trained head for ({variant.Id}) seed {seed} with the current settings in '{dir}'. " +
                                                $"Run 'magvitseg train-head --profile {Profile.Name} --variant {variant.Id} --seed {seed}' first.");
        if (File.Exists(record) && JsonSerializer.Deserialize<HeadRunRecord>(File.ReadAllText(record), AtomicFile.Json) is { } old && old.EvalKey == evalKey)
        {
            Report(StudyStage.Evaluation, $"({variant.Id}) seed {seed}: reusing the evaluation in {dir}", StudyEvent.Reused, variant, seed);
            return old;
        }
        using var runLock = RunLock.Acquire(dir, Log);
        using var head = new MaskHead(trained.Channels, ValSet.NumClasses, Profile.Head);
        head.load(Verified(Path.Combine(dir, "head.pt")));
        head.to(Device);
        Magvit3dVqvae? tuned = null;
        Tensor[]? valFeatures = null;
        try
        {
            Func<int, int, List<Tensor>> feats;
            if (variant.FineTune)
            {
                tuned = StudyEncoders.Copy(Encoder(variant.Encoder).Model);
                tuned.Encoder.load(Verified(Path.Combine(dir, "encoder.pt")));
                tuned.to(Device);
                var e = new EncoderFeatureExtractor(StudyEncoders.Frozen(tuned), extractor.Identity + ":fine-tuned", Condition(variant), Selection(variant));
                feats = (s, n) => { using var imgs = ValSet.Images(s, n).to(Device); return e.Extract(imgs); };
            }
            else
            {
                var levels = valFeatures = Features(extractor, "val");
                feats = (s, n) => levels.Select(l => l.narrow(0, s, n)).ToList();
            }
            var dets = HeadEvaluation.Predict(head, feats, ValSet, Device, Profile.Inference);
            CocoJson.WriteResults(Path.Combine(dir, "predictions.json"), dets);
            var (metrics, coco) = HeadEvaluation.Score(dets, ValSet);
            AtomicFile.WriteAllText(Path.Combine(dir, "eval.txt"), coco.SummaryText() + $"\nmIoU {metrics.MIoU:F2}\nAP class-agnostic {metrics.APAgnostic:F2}\ninference {Profile.Inference.Identity}\n");
            var result = new HeadRunRecord(variant.Id, variant.Description, seed, metrics, trained.Seconds, trained.FinalLoss, evalKey);
            AtomicFile.WriteJson(record, result);
            return result;
        }
        finally
        {
            tuned?.Dispose();
            foreach (var t in valFeatures ?? Array.Empty<Tensor>()) t.Dispose();
        }
    }

    /// <summary>The cached features of a variant's split (built on first use); float32 CPU tensors the caller owns.</summary>
    public Tensor[] Features(IFeatureExtractor extractor, string split)
    {
        var set = split == "train" ? TrainSet : ValSet;
        var cache = new FeatureCache(Paths.Features);
        var key = CacheKey(extractor, split);
        if (!cache.Contains(key)) Report(StudyStage.Features, $"features: encoding {set.Count} {split} images ({extractor.Identity}, {extractor.Conditioning}, {extractor.Selection})", StudyEvent.Started);
        return cache.GetOrBuild(key, set.Count, (s, n) => set.Images(s, n).to(Device), x => extractor.Extract(x).ToArray(), batchSize: 16, progress: Running(StudyStage.Features));
    }

    /// <summary>The feature extractor of a variant (encoders are loaded or trained once per runner).</summary>
    public IFeatureExtractor Extractor(StudyVariant variant)
    {
        var selection = Selection(variant);
        switch (variant.Encoder)
        {
            case FeatureEncoder.Pixels:
                return PixelFeatureExtractor.Matching(Profile.Tokenizer.Vqvae, BaseSelection);
            case FeatureEncoder.Image:
            {
                var (model, id) = Encoder(FeatureEncoder.Image);
                // The 2D twin sees the still image alone: a one-frame clip, no padding.
                return new EncoderFeatureExtractor(model, id, new ConditionConfig(Frames: 1, Padding: CondPadding.FirstFrameOnly), selection);
            }
            default:
            {
                var (model, id) = Encoder(variant.Encoder);
                return new EncoderFeatureExtractor(model, id, Condition(variant), selection);
            }
        }
    }

    /// <summary>The frozen encoder of a kind: pretrained video (trained when missing), random, or image-only twin.</summary>
    public (Magvit3dVqvae Model, string Identity) Encoder(FeatureEncoder kind) => _encoders.Get(kind);

    /// <inheritdoc cref="StudyEncoders.ImageTwinProfile"/>
    public TokenizerProfile ImageTwinProfile() => _encoders.ImageTwinProfile();

    private (MaskHead Head, double Seconds, double Loss, long[] Channels) TrainFrozen(StudyVariant variant, IFeatureExtractor extractor, int seed, string dir)
    {
        var levels = Features(extractor, "train");
        try
        {
            var channels = levels.Select(l => l.shape[1]).ToArray();
            using var trainer = HeadTrainer.Create(channels, TrainSet.NumClasses, Profile.Head, Profile.HeadTraining with { Seed = seed }, Profile.Loss, Device);
            var sw = Stopwatch.StartNew();
            Report(StudyStage.Head, $"({variant.Id}) seed {seed}: training the head on {TrainSet.Count} images, features {string.Join(" + ", levels.Select(l => $"{l.shape[1]}x{l.shape[2]}x{l.shape[3]}"))}", StudyEvent.Started, variant, seed);
            var steps = trainer.Train(HeadBatches.FromFeatures(levels, TrainSet, Profile.BatchSize, seed), HeadLines(variant, seed),
                                      OnStep(variant, seed));
            HeadMetricsFile(dir, steps);
            return (trainer.Head, sw.Elapsed.TotalSeconds, steps.Count > 0 ? steps[^1].Loss : double.NaN, channels);
        }
        finally
        {
            foreach (var l in levels) l.Dispose();
        }
    }

    private (MaskHead Head, double Seconds, double Loss, long[] Channels) FineTune(StudyVariant variant, int seed, string dir)
    {
        var (frozen, id) = Encoder(variant.Encoder);
        using var model = StudyEncoders.Copy(frozen);                               // a private copy: the frozen variants keep theirs
        model.to(Device);
        model.FreezeEncoder();                                                 // the codebook stays frozen ...
        foreach (var p in model.Encoder.parameters()) p.requires_grad = true;  // ... the encoder trains
        model.Encoder.train();
        var extractor = new EncoderFeatureExtractor(model, id + ":fine-tuned", Condition(variant), Selection(variant));
        long[] channels;
        using (no_grad())
        using (var probe = TrainSet.Images(0, 1).to(Device))
        {
            var f = extractor.Extract(probe);
            channels = f.Select(t => t.shape[1]).ToArray();
            foreach (var t in f) t.Dispose();
        }
        TorchRuntime.Seed(seed);
        var head = new MaskHead(channels, TrainSet.NumClasses, Profile.Head);
        using var trainer = new HeadTrainer(head, new MaskHeadLoss(TrainSet.NumClasses, Profile.Loss), Profile.HeadTraining with { Seed = seed }, Device,
            model.Encoder.named_parameters().Select(p => ("encoder." + p.name, p.parameter)), Profile.FineTuneLrScale);
        var sw = Stopwatch.StartNew();
        Report(StudyStage.Head, $"({variant.Id}) seed {seed}: fine-tuning encoder + head on {TrainSet.Count} images (encoder lr x{Profile.FineTuneLrScale})", StudyEvent.Started, variant, seed);
        // The same loop as the frozen arms; only the features differ: the encoder runs (with gradients) on every batch.
        var results = trainer.Train(HeadBatches.FromImages(TrainSet, Profile.BatchSize, seed, extractor.Extract, Device), HeadLines(variant, seed),
                                    OnStep(variant, seed));
        HeadMetricsFile(dir, results);
        SaveModule(model.Encoder, Path.Combine(dir, "encoder.pt"));
        return (trainer.Head, sw.Elapsed.TotalSeconds, results.Count > 0 ? results[^1].Loss : double.NaN, channels);
    }

    /// <summary>
    /// A variant's conditioning at the tokenizer's clip length: MAGVIT pads the condition to the clip the tokenizer was
    /// trained on (16 frames for cpu/gpu, 8 for tiny); explicit lengths (t4) stay as named.
    /// </summary>
    public ConditionConfig Condition(StudyVariant v)
    {
        var c = ConditionConfig.Named(v.Condition);
        return c.Frames == ConditionConfig.Magvit.Frames ? c with { Frames = Profile.Tokenizer.Vqvae.Frames } : c;
    }

    private FeatureSelection Selection(StudyVariant v) => v.Quantised ? BaseSelection with { Source = LatentSource.Quantised } : BaseSelection;

    // head.pt / encoder.pt are checked against their sidecar before TorchSharp reads them (issue 19).
    private static string Verified(string path) =>
        FileChecksum.CheckSidecar(path, "delete the run folder's train.json to retrain this head.") is { } damage ? throw new InvalidDataException(damage) : path;

    private string RunKey(IFeatureExtractor e) => CacheKey(e, "train").Hash + "/" + CacheKey(e, "val").Hash + "/" + HeadIdentity();

    /// <summary>
    /// The feature cache key of an extractor on a split ("train" or "val"): what <see cref="Features"/> stores under.
    /// The image set is named by its annotation file's content, not its path, so a study folder that is moved or copied
    /// (or a second folder with the same stills) reuses its features and trained heads instead of retraining them.
    /// </summary>
    public FeatureCacheKey CacheKey(IFeatureExtractor e, string split)
    {
        var set = split == "train" ? TrainSet : ValSet;
        string images = $"ann:sha256={AnnotationHash(set.Gt.Source)}|{split}|n={set.Count}|S={set.Size}|first={set.Geometry[0].ImageId}|last={set.Geometry[^1].ImageId}";
        return new FeatureCacheKey(e.Identity, e.Conditioning, e.Selection, images);
    }

    // COCO's train annotations are ~450 MB: hash each file once per runner.
    private string AnnotationHash(string path)
    {
        if (!_annotationHashes.TryGetValue(path, out var hash)) _annotationHashes[path] = hash = FeatureCacheKey.FileHash(path);
        return hash;
    }

    private string HeadIdentity() => JsonSerializer.Serialize(new { Profile.Head, Profile.HeadTraining, Profile.BatchSize, Profile.Loss });

    private object Config(IReadOnlyList<StudyVariant> variants, IReadOnlyList<int>? seeds) => new
    {
        profile = Profile.Name,
        tokenizer = Profile.Tokenizer,
        image_tokenizer = ImageTwinProfile().Name,
        Profile.TrainImages, Profile.ValImages, Profile.Head, Profile.HeadTraining, Profile.BatchSize,
        seeds = seeds ?? Profile.Seeds, Profile.FineTuneSeeds, Profile.Selection, Profile.FineTuneLrScale,
        Profile.Loss, inference = Profile.Inference,
        variants,
        paths = Paths,
        device = Device.ToString(),
        torch = TorchRuntime.Describe(),
    };

    // Head progress names its run: with Jobs > 1 two runs' lines interleave.
    private Action<string> HeadLines(StudyVariant variant, int seed)
    {
        var sink = Running(StudyStage.Head, throttle: false);
        return line => sink($"({variant.Id}) seed {seed}: {line}");
    }

    private Action<HeadStepResult>? OnStep(StudyVariant variant, int seed) => OnHeadStep is { } onStep ? r => onStep(variant, seed, r) : null;

    private static void HeadMetricsFile(string dir, IReadOnlyList<HeadStepResult> steps) =>
        MetricsLog.Write(Path.Combine(dir, "metrics.csv"), HeadStepResult.Columns, steps.Select(s => s.Row));

    // What nn.Module.save(path) writes, through a temporary file and a rename, with a checksum sidecar (issue 19).
    private static void SaveModule(nn.Module module, string path)
    {
        module.save(path + ".tmp");
        FileChecksum.CommitWithSidecar(path + ".tmp", path);
    }

    public void Dispose() => _encoders.Dispose();
}
