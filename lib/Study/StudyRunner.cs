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

/// <summary>Where a study run reads and writes.</summary>
/// <param name="Root">The study folder: config.json, stills/, features/, runs/, study.csv, study.json.</param>
/// <param name="Tokenizer">The video tokenizer run folder (pretrained here when it is missing or partial), or one checkpoint
/// file of such a run, used as it is (e.g. an early step, to read the encoder at a point of its training).</param>
/// <param name="ImageTokenizer">The image-only (2D) tokenizer run folder.</param>
/// <param name="CocoRoot">When set, a COCO-format folder (annotations/instances_{train,val}2017.json, train2017/, val2017/)
/// replaces the exported MovingShapes stills.</param>
public sealed record StudyPaths(string Root, string Tokenizer, string ImageTokenizer, string? CocoRoot = null)
{
    /// <summary>The default layout for a profile: results/&lt;profile&gt;/study beside results/&lt;profile&gt;/tokenizer.</summary>
    public static StudyPaths Default(string profile, string? root = null) => new(
        root ?? RepoPaths.Results(profile, "study"),
        RepoPaths.Results(profile, "tokenizer"),
        RepoPaths.Results(profile, "tokenizer-2d"));

    /// <summary>Exported MovingShapes stills (COCO format).</summary>
    public string Stills => Path.Combine(Root, "stills");

    /// <summary>The feature cache.</summary>
    public string Features => Path.Combine(Root, "features");

    /// <summary>One folder per variant and seed.</summary>
    public string Run(string variant, int seed) => Path.Combine(Root, "runs", variant, $"seed{seed}");
}

/// <summary>What a finished head training left in its run folder (train.json).</summary>
public sealed record HeadTrainRecord(string Variant, int Seed, long[] Channels, double Seconds, double FinalLoss, string Key);

/// <summary>What one finished head run left in its folder (run.json); <paramref name="EvalKey"/> is the training's key plus
/// the inference settings and <see cref="HeadEvaluation.MetricsVersion"/>, so a record is reused only for the same
/// features, head, inference and set of metrics.</summary>
public sealed record HeadRunRecord(string Variant, string Description, int Seed, HeadMetrics Metrics, double TrainSeconds,
    double FinalLoss, string EvalKey);

/// <summary>
/// The study (seg-head.md protocol): for each variant, features from its encoder (cached), then for each seed a head
/// trained with the same budget, inference on the held-out split, COCO mask AP and mIoU, and one row of study.csv.
/// Finished runs are reused, so an interrupted study continues where it stopped.
/// </summary>
public sealed class StudyRunner : IDisposable
{
    private readonly Dictionary<string, (Magvit3dVqvae Model, string Identity)> _encoders = new();
    private CocoImageSet? _train, _val;
    private readonly Dictionary<string, string> _annotationHashes = new();

    /// <summary>The profile.</summary>
    public StudyProfile Profile { get; }

    /// <summary>Folders.</summary>
    public StudyPaths Paths { get; }

    /// <summary>Device for encoders and heads.</summary>
    public Device Device { get; }

    /// <summary>Progress lines.</summary>
    public Action<string> Log { get; }

    /// <summary>
    /// Also write tokenizer-ema.safetensors when a tokenizer is trained here (as <c>magvitseg pretrain</c>). The default is
    /// true; notebooks set false, since TorchSharp.PyBridge fails inside the kernel (see environment.md).
    /// </summary>
    public bool ExportSafetensors { get; set; } = true;

    /// <summary>Called after every head training step (frozen and fine-tuned) with the variant, the seed and the step's result: live progress.</summary>
    public Action<StudyVariant, int, HeadStepResult>? OnHeadStep { get; set; }

    public StudyRunner(StudyProfile profile, StudyPaths paths, Device device, Action<string>? log = null)
    {
        Profile = profile;
        Paths = paths;
        Device = device;
        Log = log ?? (_ => { });
    }

    /// <summary>The base feature selection.</summary>
    public FeatureSelection BaseSelection => FeatureSelection.Named(Profile.Selection);

    /// <summary>Head training split (loaded once).</summary>
    public CocoImageSet TrainSet => _train ??= LoadSplit("train", Profile.TrainImages);

    /// <summary>Evaluation split (loaded once).</summary>
    public CocoImageSet ValSet => _val ??= LoadSplit("val", Profile.ValImages);

    /// <summary>Runs every variant and seed of the profile (or the given subset) and writes study.csv / study.json.</summary>
    public List<StudyRow> Run(IReadOnlyList<StudyVariant>? variants = null, IReadOnlyList<int>? seeds = null)
    {
        variants ??= StudyVariant.Parse(Profile.Variants);
        Directory.CreateDirectory(Paths.Root);
        AtomicFile.WriteJson(Path.Combine(Paths.Root, "config.json"), Config(variants, seeds));
        var rows = new List<StudyRow>();
        var total = Stopwatch.StartNew();
        int done = 0, count = variants.Sum(v => (seeds ?? Profile.SeedsOf(v)).Count);
        foreach (var v in variants)
            foreach (int seed in seeds ?? Profile.SeedsOf(v))
            {
                var r = RunHead(v, seed);
                rows.Add(new StudyRow(v.Id, v.Description, seed, r.Metrics.AP, r.Metrics.AP50, r.Metrics.AP75, r.Metrics.APs,
                    r.Metrics.APm, r.Metrics.APl, r.Metrics.MIoU, r.Metrics.APAgnostic, r.TrainSeconds));
                done++;
                double eta = total.Elapsed.TotalSeconds / done * (count - done);
                Log($"study {done}/{count}: ({v.Id}) seed {seed}: AP {r.Metrics.AP:F1}, AP50 {r.Metrics.AP50:F1}, mIoU {r.Metrics.MIoU:F1} " +
                    $"| elapsed {total.Elapsed:hh\\:mm\\:ss}, ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}");
                StudyTable.Write(Paths.Root, rows, Config(variants, seeds));
            }
        return rows;
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
            Log($"({variant.Id}) seed {seed}: reusing the trained head in {dir}");
            return old;
        }
        if (File.Exists(record))
            Log($"({variant.Id}) seed {seed}: the head in {dir} was trained with other features, images or head settings; it is replaced");
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, "config.json"), new
        {
            variant, seed, profile = Profile.Name, head = Profile.Head, training = Profile.HeadTraining with { Seed = seed },
            batch = Profile.BatchSize, encoder = extractor.Identity, conditioning = extractor.Conditioning, selection = extractor.Selection,
            fine_tune_lr_scale = variant.FineTune ? Profile.FineTuneLrScale : (double?)null,
        });
        var (head, seconds, loss, channels) = variant.FineTune ? FineTune(variant, seed, dir) : TrainFrozen(variant, extractor, seed, dir);
        using (head) SaveAtomic(head, Path.Combine(dir, "head.pt"));
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
            Log($"({variant.Id}) seed {seed}: reusing the evaluation in {dir}");
            return old;
        }
        using var head = new MaskHead(trained.Channels, ValSet.NumClasses, Profile.Head);
        head.load(Path.Combine(dir, "head.pt"));
        head.to(Device);
        Magvit3dVqvae? tuned = null;
        Tensor[]? valFeatures = null;
        try
        {
            Func<int, int, List<Tensor>> feats;
            if (variant.FineTune)
            {
                tuned = EncoderCopy(Encoder(variant.Encoder).Model);
                tuned.Encoder.load(Path.Combine(dir, "encoder.pt"));
                tuned.to(Device);
                var e = new EncoderFeatureExtractor(Frozen(tuned), extractor.Identity + ":fine-tuned", Condition(variant), Selection(variant));
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
        if (!cache.Contains(key)) Log($"features: encoding {set.Count} {split} images ({extractor.Identity}, {extractor.Conditioning}, {extractor.Selection})");
        return cache.GetOrBuild(key, set.Count, (s, n) => set.Images(s, n).to(Device), x => extractor.Extract(x).ToArray(), batchSize: 16, progress: ThrottledLog());
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
    public (Magvit3dVqvae Model, string Identity) Encoder(FeatureEncoder kind)
    {
        string name = kind.ToString();
        if (_encoders.TryGetValue(name, out var cached)) return cached;
        (Magvit3dVqvae, string) made;
        switch (kind)
        {
            case FeatureEncoder.Video:
            {
                string ckpt;
                // A mistyped checkpoint path must not become a folder that a fresh tokenizer is trained into.
                if (Paths.Tokenizer.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) && !File.Exists(Paths.Tokenizer))
                    throw new FileNotFoundException($"Tokenizer checkpoint '{Paths.Tokenizer}' does not exist. Give an existing .ckpt file " +
                                                    "(e.g. <run>/checkpoints/step-00003000.ckpt) or a tokenizer run folder.", Paths.Tokenizer);
                if (File.Exists(Paths.Tokenizer))
                {
                    ckpt = Paths.Tokenizer;
                    var saved = TokenizerCheckpoint.ReadProfile(ckpt);
                    if (!string.Equals(saved.Name, Profile.Tokenizer.Name, StringComparison.OrdinalIgnoreCase))
                        throw new InvalidOperationException($"Tokenizer checkpoint '{ckpt}' is of profile '{saved.Name}'; the '{Profile.Name}' study " +
                                                            $"compares encoders of profile '{Profile.Tokenizer.Name}'. Use a checkpoint of that profile.");
                    Log($"tokenizer: the checkpoint {ckpt} as it is (its run is not resumed)");
                }
                else
                {
                    var run = TokenizerRun.Ensure(Profile.Tokenizer, Paths.Tokenizer, Device, ThrottledLog(), exportSafetensors: ExportSafetensors);
                    Log("tokenizer: " + run.Describe());
                    ckpt = run.Checkpoint;
                }
                made = (Frozen(TokenizerCheckpoint.LoadEmaModel(ckpt, Device)), "video:sha256=" + FeatureCacheKey.FileHash(ckpt));
                break;
            }
            case FeatureEncoder.Image:
            {
                var twin = ImageTwinProfile();
                var v = Profile.Tokenizer.Vqvae;
                var run = TokenizerRun.Ensure(twin, Paths.ImageTokenizer, Device, ThrottledLog(), exportSafetensors: ExportSafetensors,
                    train: new FramesOfClips(TokenizerRun.ShapesSource(v, twin.Training.Seed), v.Frames),
                    heldOut: new FramesOfClips(TokenizerRun.ShapesSource(v, twin.Training.Seed + TokenizerRun.HeldOutSeedOffset), v.Frames));
                Log("image tokenizer: " + run.Describe());
                string ckpt = run.Checkpoint;
                made = (Frozen(TokenizerCheckpoint.LoadEmaModel(ckpt, Device)), "image:sha256=" + FeatureCacheKey.FileHash(ckpt));
                break;
            }
            case FeatureEncoder.Random:
            {
                const int seed = 0;
                TorchRuntime.Seed(seed);
                var model = new Magvit3dVqvae(Profile.Tokenizer.Vqvae);
                model.to(Device);
                string arch = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                    System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Profile.Tokenizer.Vqvae))))[..16];
                made = (Frozen(model), $"random:seed={seed}:{Profile.Tokenizer.Name}:{arch}");
                break;
            }
            default:
                throw new ArgumentException($"StudyRunner: {kind} has no encoder.");
        }
        _encoders[name] = made;
        return made;
    }

    /// <summary>
    /// The image-only baseline's tokenizer: the video profile's 2D twin, trained for the same steps on the frames of the
    /// same clips (clip batch x T frames per step, so both see the same pixels).
    /// </summary>
    public TokenizerProfile ImageTwinProfile()
    {
        var twin = Profile.Tokenizer.ImageTwin();
        return twin with { Training = twin.Training with { BatchSize = Profile.Tokenizer.Training.BatchSize * Profile.Tokenizer.Vqvae.Frames } };
    }

    private (MaskHead Head, double Seconds, double Loss, long[] Channels) TrainFrozen(StudyVariant variant, IFeatureExtractor extractor, int seed, string dir)
    {
        var levels = Features(extractor, "train");
        try
        {
            var channels = levels.Select(l => l.shape[1]).ToArray();
            using var trainer = HeadTrainer.Create(channels, TrainSet.NumClasses, Profile.Head, Profile.HeadTraining with { Seed = seed }, Profile.Loss, Device);
            var sw = Stopwatch.StartNew();
            Log($"({variant.Id}) seed {seed}: training the head on {TrainSet.Count} images, features {string.Join(" + ", levels.Select(l => $"{l.shape[1]}x{l.shape[2]}x{l.shape[3]}"))}");
            var steps = trainer.Train(HeadBatches.FromFeatures(levels, TrainSet, Profile.BatchSize, seed), Log,
                                      OnHeadStep is { } onStep ? r => onStep(variant, seed, r) : null);
            WriteHeadMetrics(dir, steps);
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
        using var model = EncoderCopy(frozen);                               // a private copy: the frozen variants keep theirs
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
        Log($"({variant.Id}) seed {seed}: fine-tuning encoder + head on {TrainSet.Count} images (encoder lr x{Profile.FineTuneLrScale})");
        var results = new List<HeadStepResult>();
        var progress = ThrottledLog();
        foreach (var idx in HeadBatches.Indices(TrainSet.Count, Profile.BatchSize, seed))
        {
            if (trainer.StepsDone >= trainer.Config.Steps) break;
            using var scope = NewDisposeScope();
            var images = cat(idx.Select(i => TrainSet.Images(i, 1)).ToList(), 0).to(Device);
            var feats = extractor.Extract(images);
            var targets = idx.Select(TrainSet.TargetTensors).ToList();
            var r = trainer.TrainStep(feats, targets);
            results.Add(r);
            OnHeadStep?.Invoke(variant, seed, r);
            double rate = trainer.StepsDone / sw.Elapsed.TotalSeconds;
            progress($"({variant.Id}) fine-tune step {r.Step}/{trainer.Config.Steps} {rate:F2} steps/s, ETA {(trainer.Config.Steps - r.Step) / rate:F0}s | loss {r.Loss:F4}");
        }
        WriteHeadMetrics(dir, results);
        SaveAtomic(model.Encoder, Path.Combine(dir, "encoder.pt"));
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

    private static Magvit3dVqvae EncoderCopy(Magvit3dVqvae source)
    {
        var model = new Magvit3dVqvae(source.Config);
        using (no_grad())
        {
            var target = model.state_dict();
            foreach (var (name, value) in source.state_dict()) target[name].copy_(value);
        }
        return model;
    }

    private static void SaveAtomic(nn.Module module, string path)
    {
        module.save(path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private string RunKey(IFeatureExtractor e) => CacheKey(e, "train").Hash + "/" + CacheKey(e, "val").Hash + "/" + HeadIdentity();

    private static void WriteHeadMetrics(string dir, IReadOnlyList<HeadStepResult> steps)
    {
        var lines = new List<string> { "step,loss,class,mask,dice,lr,seconds" };
        lines.AddRange(steps.Select(s => string.Join(',', new object[] { s.Step, s.Loss, s.Class, s.Mask, s.Dice, s.LearningRate, s.Seconds }
            .Select(o => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture)))));
        AtomicFile.WriteAllText(Path.Combine(dir, "metrics.csv"), string.Join('\n', lines) + "\n");
    }

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

    private CocoImageSet LoadSplit(string split, int count)
    {
        string ann, images;
        if (Paths.CocoRoot is { } coco)
        {
            ann = Path.Combine(coco, "annotations", $"instances_{split}2017.json");
            images = Path.Combine(coco, $"{split}2017");
        }
        else
        {
            ann = Path.Combine(Paths.Stills, "annotations", $"instances_{split}.json");
            images = Path.Combine(Paths.Stills, split);
            if (!File.Exists(ann) || CocoJson.ReadInstances(ann).Images.Count != count)
            {
                Log($"stills: exporting {count} MovingShapes {split} images to {Paths.Stills}");
                var v = Profile.Tokenizer.Vqvae;
                var gen = new MovingShapes(new MovingShapesConfig { Size = v.Height, Frames = v.Frames, Seed = Profile.Tokenizer.Training.Seed });
                MovingShapesStills.Export(gen, Paths.Stills, split, split == "train" ? MovingShapesSplit.StillsTrain : MovingShapesSplit.StillsVal, count);
            }
        }
        var set = CocoImageSet.Load(ann, images, Profile.ImageSize, Paths.CocoRoot is null ? 0 : count);
        foreach (var (path, reason) in set.Skipped) Log($"skipped {path}: {reason}");
        return set;
    }

    private static Magvit3dVqvae Frozen(Magvit3dVqvae model)
    {
        model.FreezeEncoder();
        model.eval();
        return model;
    }

    private Action<string> ThrottledLog(double seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        double last = double.NegativeInfinity;
        return line =>
        {
            if (sw.Elapsed.TotalSeconds - last < seconds) return;
            last = sw.Elapsed.TotalSeconds;
            Log(line);
        };
    }

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

    public void Dispose()
    {
        foreach (var (model, _) in _encoders.Values) model.Dispose();
        _encoders.Clear();
    }
}
