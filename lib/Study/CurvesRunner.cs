using System.Diagnostics;
using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Probes;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>What one finished curves run left in its folder (run.json); reused when <paramref name="Key"/> matches.</summary>
/// <param name="Arm">Study variant.</param>
/// <param name="Probe">linear, mlp or query.</param>
/// <param name="TrainImages">The label budget.</param>
/// <param name="Seed">Seed of the probe's initialisation and batches.</param>
/// <param name="Steps">Optimiser steps (<see cref="LabelBudget.Steps"/>).</param>
/// <param name="AP">Mask AP (%; NaN for the semantic probes).</param>
/// <param name="MIoU">Semantic mIoU (%).</param>
/// <param name="CategoryIoU">IoU per category (%), in category-id order; NaN where the split has no ground truth.</param>
/// <param name="TrainSeconds">Training wall time.</param>
/// <param name="FinalLoss">Last step's loss.</param>
/// <param name="Key">Features, subset, probe and training settings, and the metrics version.</param>
/// <param name="Predictions">The query probe's predictions.json (COCO results); null for the semantic probes.</param>
public sealed record CurvesRunRecord(string Arm, string Probe, int TrainImages, int Seed, int Steps, double AP, double MIoU,
    double[] CategoryIoU, double TrainSeconds, double FinalLoss, string Key, string? Predictions);

/// <summary>
/// The study as curves (issue 21): every arm x probe x label budget x seed on the study's frozen, cached features,
/// then paired bootstrap intervals (<see cref="CurvesIntervals"/>), curves.csv / differences.csv / curves.json and the
/// figures. Runs live in <c>runs/&lt;probe&gt;/&lt;arm&gt;/n&lt;N&gt;/seed&lt;k&gt;/</c> (config.json, counts.json, run.json, the probe's
/// weights, predictions.json for the query probe) and are reused when their key matches, as the study's are. The query
/// probe at the full budget is the study's own head run (<see cref="StudyRunner.RunHead"/>, reused when finished).
/// </summary>
public sealed class CurvesRunner
{
    /// <summary>Changes whenever a run would be scored differently, so stored runs are redone.</summary>
    public const int Version = 1;

    private readonly StudyRunner _study;

    public CurvesRunner(StudyRunner study, CurvesProfile profile, string root, Action<string>? log = null)
    {
        _study = study; Profile = profile; Root = Path.GetFullPath(root); Log = log ?? (_ => { });
    }

    /// <summary>The curves settings.</summary>
    public CurvesProfile Profile { get; }

    /// <summary>The output folder.</summary>
    public string Root { get; }

    /// <summary>Progress lines.</summary>
    public Action<string> Log { get; }

    /// <summary>
    /// Runs trained side by side on CPU, one libtorch thread each (as the study's <see cref="StudyRunner.Jobs"/>); every
    /// run's result is the same as one at a time.
    /// </summary>
    public int Jobs { get; set; } = 1;

    /// <summary>The study whose features, splits and heads the curves use.</summary>
    public StudyRunner Study => _study;

    /// <summary>One run's folder.</summary>
    public string RunDir(string arm, CurveProbe probe, int n, int seed) =>
        Path.Combine(Root, "runs", CurvesProfile.NameOf(probe), arm, $"n{n}", $"seed{seed}");

    /// <summary>Runs (or reuses) the grid, computes the intervals and writes the tables and figures.</summary>
    public CurvesResult Run(IReadOnlyList<StudyVariant> arms, IReadOnlyList<CurveProbe> probes, IReadOnlyList<int> budgets, IReadOnlyList<int> seeds)
    {
        int full = _study.TrainSet.Count;
        foreach (int n in budgets)
            if (n < 1 || n > full) throw new ArgumentException($"--train-images {n}: the {_study.Profile.Name} profile has {full} training stills; give budgets in 1..{full}.");
        foreach (var v in arms)
            if (v.FineTune) throw new ArgumentException($"Arm '{v.Id}' fine-tunes its encoder: the curves probe frozen features only (use a, b, c, d, e, f-*).");
        Directory.CreateDirectory(Root);
        var config = Config(arms, probes, budgets, seeds);
        AtomicFile.WriteJson(Path.Combine(Root, "config.json"), config);
        var runs = new List<(CurvesRunRecord, string)>();
        var total = Stopwatch.StartNew();
        int count = arms.Count * probes.Count * budgets.Count * seeds.Count, done = 0;
        void Finished(StudyVariant arm, CurvesRunRecord r)
        {
            int k = Interlocked.Increment(ref done);
            double eta = total.Elapsed.TotalSeconds / k * (count - k);
            Log($"curves {k}/{count}: ({arm.Id}) {r.Probe} n={r.TrainImages} seed {r.Seed}: " + (double.IsNaN(r.AP) ? "" : $"AP {r.AP:F1}, ") +
                $"mIoU {r.MIoU:F1} ({r.Steps} steps) | elapsed {total.Elapsed:hh\\:mm\\:ss}, ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}");
        }
        foreach (var arm in arms)
        {
            using var features = new ArmFeatures(_study, arm);
            var items = (from probe in probes from n in budgets from seed in seeds select (probe, n, seed)).ToList();
            if (Jobs > 1) RunSideBySide(arm, items, features, r => Finished(arm, r));
            // One at a time, or after the side-by-side runs (which finished and reported all but the study heads): the
            // study heads' evaluations, and the records in grid order.
            foreach (var (probe, n, seed) in items)
            {
                bool reported = Jobs > 1 && !IsStudyHead(probe, n);
                var r = RunOne(arm, probe, n, seed, features, reported ? _ => { } : Log);
                if (!reported) Finished(arm, r);
                runs.Add((r, RunDir(arm.Id, probe, n, seed)));
            }
        }
        var intervals = new CurvesIntervals(_study.ValSet, Profile.Resamples, Profile.BootstrapSeed, Log);
        var result = intervals.Compute(runs, CurvesProfile.Reference);
        CurvesTable.Write(Root, result, config);
        CurvesFigures.Write(Path.Combine(Root, "figures"), result);
        return result;
    }

    // Why side by side: see StudyRunner.TrainFrozenHeadsSideBySide. The shared state is made first, on this thread (the
    // features and their caches, the extractor, the evaluation ground truth); the workers then only read it. The study's
    // own heads (the query probe at the full budget) are trained here too, the longest runs first; the caller evaluates
    // them after, one at a time.
    private void RunSideBySide(StudyVariant arm, List<(CurveProbe probe, int n, int seed)> items, ArmFeatures features,
        Action<CurvesRunRecord> finished)
    {
        _ = features.Train; _ = features.Val; _ = _study.ValSet.LoadedGt;
        var extractor = _study.Extractor(arm);
        foreach (var split in new[] { "train", "val" })
            foreach (var t in _study.Features(extractor, split)) t.Dispose();
        var order = items.OrderByDescending(i => IsStudyHead(i.probe, i.n)).ThenByDescending(i => i.probe == CurveProbe.Query).ThenByDescending(i => i.n).ToList();
        Log($"({arm.Id}) {items.Count} runs, {Math.Min(Jobs, items.Count)} at a time");
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Jobs }, item =>
            {
                var (probe, n, seed) = item;
                if (IsStudyHead(probe, n)) { _study.TrainHead(arm, seed); return; }
                string name = $"({arm.Id}) {CurvesProfile.NameOf(probe)} n={n} seed {seed}: ";
                finished(RunOne(arm, probe, n, seed, features, line => Log(line.StartsWith('(') ? line : name + line)));
            });
    }

    // The query probe at the full budget is the study's own head run (StudyHead).
    private bool IsStudyHead(CurveProbe probe, int n) => probe == CurveProbe.Query && n == _study.TrainSet.Count;

    /// <summary>Trains and scores one run, or reuses it when its record's key matches.</summary>
    public CurvesRunRecord RunOne(StudyVariant arm, CurveProbe probe, int n, int seed, ArmFeatures features) => RunOne(arm, probe, n, seed, features, Log);

    private CurvesRunRecord RunOne(StudyVariant arm, CurveProbe probe, int n, int seed, ArmFeatures features, Action<string> log)
    {
        string dir = RunDir(arm.Id, probe, n, seed);
        string record = Path.Combine(dir, "run.json");
        int full = _study.TrainSet.Count;
        int steps = probe == CurveProbe.Query
            ? LabelBudget.Steps(_study.Profile.HeadTraining.Steps, full, n, Profile.StepFloorFraction)
            : LabelBudget.Steps(DenseConfig(probe).Steps, full, n, Profile.StepFloorFraction);
        if (IsStudyHead(probe, n)) return StudyHead(arm, seed, dir, steps);
        var extractor = _study.Extractor(arm);
        string key = Key(extractor, probe, n, seed, steps);
        if (Reusable(record, key) is { } old)
        {
            log($"({arm.Id}) {old.Probe} n={n} seed {seed}: reusing {dir}");
            return old;
        }
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, "config.json"), new
        {
            arm, probe = CurvesProfile.NameOf(probe), train_images = n, seed, steps, batch = _study.Profile.BatchSize,
            permutation_seed = LabelBudget.PermutationSeed, subset_of = full, step_floor_fraction = Profile.StepFloorFraction,
            dense = probe == CurveProbe.Query ? null : DenseConfig(probe),
            head = probe == CurveProbe.Query ? _study.Profile.Head : null,
            head_training = probe == CurveProbe.Query ? QueryTraining(steps, seed) : null,
            loss = probe == CurveProbe.Query ? _study.Profile.Loss : null,
            inference = probe == CurveProbe.Query ? _study.Profile.Inference : null,
            encoder = extractor.Identity, conditioning = extractor.Conditioning, selection = extractor.Selection,
            profile = _study.Profile.Name, torch = TorchRuntime.Describe(), key,
        });
        var subset = LabelBudget.Subset(full, n);
        log($"({arm.Id}) {CurvesProfile.NameOf(probe)} n={n} seed {seed}: training {steps} steps on {n} labelled stills");
        var result = probe == CurveProbe.Query
            ? TrainQuery(arm, n, seed, steps, subset, features, dir, key, log)
            : TrainDense(arm, probe, n, seed, steps, subset, features, dir, key, log);
        AtomicFile.WriteJson(record, result);
        return result;
    }

    private CurvesRunRecord TrainDense(StudyVariant arm, CurveProbe probe, int n, int seed, int steps, int[] subset, ArmFeatures features, string dir, string key, Action<string> log)
    {
        var kind = probe == CurveProbe.Linear ? DenseProbeKind.Linear : DenseProbeKind.Mlp;
        var run = DenseProbeTrainer.Train(kind, features.Train, _study.TrainSet, subset, DenseConfig(probe), steps, _study.Profile.BatchSize, seed,
            _study.Device, log);
        using var probeModule = run.Probe;
        var counts = DenseProbeEvaluation.Score(probeModule, features.Val, _study.ValSet, _study.Device);
        SaveAtomic(probeModule, Path.Combine(dir, "probe.pt"));
        AtomicFile.WriteJson(Path.Combine(dir, "counts.json"), counts);
        return new CurvesRunRecord(arm.Id, CurvesProfile.NameOf(probe), n, seed, run.Steps, double.NaN, 100 * counts.MIoU(),
            counts.PerCategory().Select(v => 100 * v).ToArray(), run.Seconds, run.FinalLoss, key, null);
    }

    private CurvesRunRecord TrainQuery(StudyVariant arm, int n, int seed, int steps, int[] subset, ArmFeatures features, string dir, string key, Action<string> log)
    {
        var levels = features.Train;
        var channels = levels.Select(l => l.shape[1]).ToArray();
        var set = _study.TrainSet;
        using var trainer = HeadTrainer.Create(channels, set.NumClasses, _study.Profile.Head, QueryTraining(steps, seed), _study.Profile.Loss, _study.Device);
        var sw = Stopwatch.StartNew();
        var results = trainer.Train(SubsetBatches.FromFeatures(levels, set, subset, _study.Profile.BatchSize, seed), log);
        double seconds = sw.Elapsed.TotalSeconds;
        using var head = trainer.Head;
        SaveAtomic(head, Path.Combine(dir, "head.pt"));
        var val = features.Val;
        var dets = HeadEvaluation.Predict(head, (s, k) => val.Select(l => l.narrow(0, s, k)).ToList(), _study.ValSet, _study.Device, _study.Profile.Inference);
        string predictions = Path.Combine(dir, "predictions.json");
        CocoJson.WriteResults(predictions, dets);
        var (metrics, _) = HeadEvaluation.Score(dets, _study.ValSet);
        var counts = SemanticMiou.PerImage(_study.ValSet.LoadedGt, dets);
        AtomicFile.WriteJson(Path.Combine(dir, "counts.json"), counts);
        return new CurvesRunRecord(arm.Id, "query", n, seed, results.Count > 0 ? results[^1].Step : 0, metrics.AP, metrics.MIoU,
            counts.PerCategory().Select(v => 100 * v).ToArray(), seconds, results.Count > 0 ? results[^1].Loss : double.NaN, key, predictions);
    }

    // The full budget of the query probe is the study's run itself: trained and evaluated by the study (or reused from
    // it), then its predictions counted per image here.
    private CurvesRunRecord StudyHead(StudyVariant arm, int seed, string dir, int steps)
    {
        var h = _study.RunHead(arm, seed);
        string record = Path.Combine(dir, "run.json");
        string key = h.EvalKey + "|curves" + Version;
        if (Reusable(record, key) is { } old) return old;
        string predictions = Path.Combine(_study.Paths.Run(arm.Id, seed), "predictions.json");
        var dets = CocoJson.ReadResults(predictions, _study.ValSet.LoadedGt);
        var counts = SemanticMiou.PerImage(_study.ValSet.LoadedGt, dets);
        Directory.CreateDirectory(dir);
        AtomicFile.WriteJson(Path.Combine(dir, "config.json"), new
        {
            arm, probe = "query", train_images = _study.TrainSet.Count, seed, steps, study_run = _study.Paths.Run(arm.Id, seed),
            note = "the full budget of the query probe is the study's head run (its config.json is in study_run)", key,
        });
        AtomicFile.WriteJson(Path.Combine(dir, "counts.json"), counts);
        var result = new CurvesRunRecord(arm.Id, "query", _study.TrainSet.Count, seed, steps, h.Metrics.AP, h.Metrics.MIoU,
            counts.PerCategory().Select(v => 100 * v).ToArray(), h.TrainSeconds, h.FinalLoss, key, predictions);
        AtomicFile.WriteJson(record, result);
        return result;
    }

    private HeadTrainConfig QueryTraining(int steps, int seed)
    {
        var h = _study.Profile.HeadTraining;
        return h with { Steps = steps, Seed = seed, WarmupSteps = Math.Min(h.WarmupSteps, steps) };
    }

    private DenseProbeConfig DenseConfig(CurveProbe probe) => probe == CurveProbe.Linear ? Profile.Linear : Profile.Mlp;

    private string Key(IFeatureExtractor e, CurveProbe probe, int n, int seed, int steps)
    {
        string settings = probe == CurveProbe.Query
            ? JsonSerializer.Serialize(new { _study.Profile.Head, Training = QueryTraining(steps, seed), _study.Profile.Loss, _study.Profile.Inference.Identity })
            : JsonSerializer.Serialize(DenseConfig(probe));
        return string.Join("|", _study.CacheKey(e, "train").Hash, _study.CacheKey(e, "val").Hash, CurvesProfile.NameOf(probe), settings,
            $"n={n}/{_study.TrainSet.Count}", $"perm={LabelBudget.PermutationSeed}", $"steps={steps}", $"seed={seed}", $"batch={_study.Profile.BatchSize}",
            $"metrics={HeadEvaluation.MetricsVersion}", $"curves={Version}");
    }

    private static CurvesRunRecord? Reusable(string record, string key)
    {
        if (!File.Exists(record) || !File.Exists(Path.Combine(Path.GetDirectoryName(record)!, "counts.json"))) return null;
        var old = JsonSerializer.Deserialize<CurvesRunRecord>(File.ReadAllText(record), AtomicFile.Json);
        return old is not null && old.Key == key && (old.Predictions is null || File.Exists(old.Predictions)) ? old : null;
    }

    private static void SaveAtomic(TorchSharp.torch.nn.Module module, string path)
    {
        module.save(path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private object Config(IReadOnlyList<StudyVariant> arms, IReadOnlyList<CurveProbe> probes, IReadOnlyList<int> budgets, IReadOnlyList<int> seeds) => new
    {
        curves = Profile with { Arms = arms.Select(a => a.Id).ToArray(), Probes = probes.ToArray(), Budgets = budgets.ToArray() },
        probes = probes.Select(CurvesProfile.NameOf).ToArray(),
        seeds,
        study = new
        {
            profile = _study.Profile.Name, root = _study.Paths.Root, train_images = _study.TrainSet.Count, val_images = _study.ValSet.Count,
            _study.Profile.Head, _study.Profile.HeadTraining, _study.Profile.BatchSize, _study.Profile.Selection, _study.Profile.Loss,
            inference = _study.Profile.Inference,
        },
        label_budget = new { permutation_seed = LabelBudget.PermutationSeed, rule = "first N of one fixed SplitMix64 permutation; steps = clamp(ceil(full_steps * N / full_images), ceil(floor_fraction * full_steps), full_steps)" },
        bootstrap = new { Profile.Resamples, seed = Profile.BootstrapSeed, method = "paired percentile bootstrap over evaluation images; per-seed differences averaged inside each resample; 95% = 2.5th and 97.5th percentiles (linear interpolation)" },
        device = _study.Device.ToString(),
        torch = TorchRuntime.Describe(),
    };
}

/// <summary>One arm's cached train and val features, loaded on first use and disposed with the arm.</summary>
public sealed class ArmFeatures(StudyRunner study, StudyVariant arm) : IDisposable
{
    private Tensor[]? _train, _val;

    /// <summary>Training features [N, C, h, w] per level.</summary>
    public Tensor[] Train => _train ??= study.Features(study.Extractor(arm), "train");

    /// <summary>Evaluation features.</summary>
    public Tensor[] Val => _val ??= study.Features(study.Extractor(arm), "val");

    public void Dispose()
    {
        foreach (var t in (_train ?? Array.Empty<Tensor>()).Concat(_val ?? Array.Empty<Tensor>())) t.Dispose();
    }
}
