using System.Diagnostics;
using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>A batch for the head: feature maps [B, Ci, Hi, Wi] (finest first) and one target per image.</summary>
public sealed record HeadBatch(IReadOnlyList<Tensor> Features, IReadOnlyList<InstanceTarget> Targets);

/// <summary>What one optimiser step did (losses are the final decoder layer's, Loss is the full weighted total).</summary>
public sealed record HeadStepResult(int Step, double Loss, double Class, double Mask, double Dice, double LearningRate, double Seconds)
{
    /// <summary>The columns of a head run's metrics.csv.</summary>
    public static IReadOnlyList<string> Columns { get; } = new[] { "step", "loss", "class", "mask", "dice", "lr", "seconds" };

    /// <summary>This step as a metrics.csv row (<see cref="Columns"/>).</summary>
    public double[] Row => new[] { Step, Loss, Class, Mask, Dice, LearningRate, Seconds };
}

/// <summary>Seconds spent in each phase of the head's training steps, summed over <see cref="Steps"/> steps.</summary>
public sealed class HeadStepPhases
{
    public double Forward { get; internal set; }
    /// <summary>The set criterion: matching and the losses.</summary>
    public double Loss { get; internal set; }
    public double Backward { get; internal set; }
    /// <summary>Gradient clipping and the AdamW update.</summary>
    public double Optimizer { get; internal set; }
    public int Steps { get; internal set; }
}

/// <summary>
/// Trains a <see cref="MaskHead"/> on precomputed features: the encoder stays outside (features come from the cache or a
/// frozen encoder). Deterministic for a seed on the CPU: the seed fixes the head's initialisation (when built through
/// <see cref="Create"/>) and the sampled points.
/// </summary>
public sealed class HeadTrainer : IDisposable
{
    private readonly optim.Optimizer _optimizer;
    private readonly double[] _groupScales;
    private readonly List<Parameter> _clipped;
    private readonly Generator _points;
    private int _step;

    /// <summary>The head being trained.</summary>
    public MaskHead Head { get; }

    /// <summary>The criterion.</summary>
    public MaskHeadLoss Loss { get; }

    /// <summary>Settings.</summary>
    public HeadTrainConfig Config { get; }

    /// <summary>The device of the head's parameters.</summary>
    public Device Device { get; }

    /// <summary>Names of the parameters trained without weight decay.</summary>
    public IReadOnlyList<string> NoDecayParameters { get; }

    /// <summary>Steps taken so far.</summary>
    public int StepsDone => _step;

    /// <summary>When set, every step adds its phases' seconds here (<c>bench head</c>'s breakdown).</summary>
    public HeadStepPhases? Phases { get; set; }

    /// <param name="head">The head to train.</param>
    /// <param name="loss">Its criterion.</param>
    /// <param name="config">Settings.</param>
    /// <param name="device">Where the head lives (CPU when null).</param>
    /// <param name="extraParameters">Parameters trained together with the head (the encoder, when fine-tuning end to end);
    /// they get <paramref name="extraLrScale"/> x the learning rate and the same weight-decay rule.</param>
    /// <param name="extraLrScale">Learning-rate multiplier of <paramref name="extraParameters"/> (backbones are usually
    /// fine-tuned 10x slower than a fresh head).</param>
    public HeadTrainer(MaskHead head, MaskHeadLoss loss, HeadTrainConfig config, Device? device = null,
        IEnumerable<(string Name, Parameter Parameter)>? extraParameters = null, double extraLrScale = 0.1)
    {
        Head = head;
        Loss = loss;
        Config = config;
        Device = device ?? CPU;
        Head.to(Device);
        // As Mask2Former (WEIGHT_DECAY_NORM = WEIGHT_DECAY_EMBED = 0): no decay on the query embeddings and on 1-D
        // parameters (norm affines; biases too, a common simplification).
        var named = Head.named_parameters().ToList();
        bool NoDecay((string name, Parameter parameter) p) => p.parameter.dim() <= 1 || p.name.StartsWith("query_", StringComparison.Ordinal);
        NoDecayParameters = named.Where(NoDecay).Select(p => p.name).ToArray();
        var groups = new List<AdamW.ParamGroup>
        {
            new(named.Where(p => !NoDecay(p)).Select(p => p.parameter), lr: config.LearningRate, weight_decay: config.WeightDecay),
            new(named.Where(NoDecay).Select(p => p.parameter), lr: config.LearningRate, weight_decay: 0),
        };
        var scales = new List<double> { 1, 1 };
        _clipped = named.Select(p => p.parameter).ToList();
        var extra = (extraParameters ?? Enumerable.Empty<(string, Parameter)>()).Select(p => (name: p.Item1, parameter: p.Item2)).ToList();
        if (extra.Count > 0)
        {
            double lr = config.LearningRate * extraLrScale;
            groups.Add(new(extra.Where(p => !NoDecay(p)).Select(p => p.parameter), lr: lr, weight_decay: config.WeightDecay));
            groups.Add(new(extra.Where(NoDecay).Select(p => p.parameter), lr: lr, weight_decay: 0));
            scales.Add(extraLrScale); scales.Add(extraLrScale);
            _clipped.AddRange(extra.Select(p => p.parameter));
        }
        _groupScales = scales.ToArray();
        _optimizer = optim.AdamW(groups, config.LearningRate);
        _points = new Generator((ulong)config.Seed, CPU);
    }

    /// <summary>Seeds torch, builds the head for the given feature channels and classes, and wraps it in a trainer.</summary>
    public static HeadTrainer Create(IReadOnlyList<long> featureChannels, int numClasses, MaskHeadConfig headConfig,
        HeadTrainConfig trainConfig, MaskLossConfig? lossConfig = null, Device? device = null)
    {
        MaskHead head;
        // The initialisation draws from torch's global generator: heads created on several threads at once (the study's
        // side-by-side runs) must seed and draw one at a time to get their seed's weights.
        lock (TorchRuntime.GlobalGeneratorLock)
        {
            TorchRuntime.Seed(trainConfig.Seed);
            head = new MaskHead(featureChannels, numClasses, headConfig);
        }
        return new HeadTrainer(head, new MaskHeadLoss(numClasses, lossConfig), trainConfig, device);
    }

    /// <summary>One optimiser step on a batch. Throws when the loss is NaN or infinite.</summary>
    public HeadStepResult TrainStep(IReadOnlyList<Tensor> features, IReadOnlyList<InstanceTarget> targets)
    {
        var sw = Stopwatch.StartNew();
        Head.train();
        double lr = Config.LearningRateAt(_step);
        int g = 0;
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr * _groupScales[g++];
        using var scope = NewDisposeScope();
        var feats = features.Select(f => f.to(Device)).ToList();
        var tg = targets.Select(t => t.To(Device)).ToList();
        _optimizer.zero_grad();
        long mark = Stopwatch.GetTimestamp();
        var output = Head.forward(feats);
        double forward = Lap(ref mark);
        if (!output.ClassLogits.isfinite().all().item<bool>() || !output.MaskLogits.isfinite().all().item<bool>())
            throw new NonFiniteLossException(_step, "outputs",
                $"Head training stopped: the head's outputs became NaN/Inf at step {_step} (lr {lr:G3}). " +
                "Lower the learning rate, or check the features for NaN/Inf (e.g. a diverged encoder checkpoint).");
        var loss = Loss.Compute(output, tg, _points);
        double total = loss.Total.item<float>();
        double lossSeconds = Lap(ref mark);
        if (!double.IsFinite(total))
            throw new NonFiniteLossException(_step, "total",
                $"Head training stopped: the loss became {total} at step {_step} (class {loss.Class:G4}, mask {loss.Mask:G4}, dice {loss.Dice:G4}, lr {lr:G3}). " +
                "Lower the learning rate, or check the features for NaN/Inf (e.g. a diverged encoder checkpoint).");
        loss.Total.backward();
        double backward = Lap(ref mark);
        if (Config.GradClip > 0) nn.utils.clip_grad_norm_(_clipped, Config.GradClip);
        _optimizer.step();
        if (Phases is { } phases)
        {
            phases.Forward += forward; phases.Loss += lossSeconds; phases.Backward += backward; phases.Optimizer += Lap(ref mark);
            phases.Steps++;
        }
        _step++;
        return new HeadStepResult(_step, total, loss.Class, loss.Mask, loss.Dice, lr, sw.Elapsed.TotalSeconds);
    }

    private static double Lap(ref long mark)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = (double)(now - mark) / Stopwatch.Frequency;
        mark = now;
        return seconds;
    }

    /// <summary>
    /// Runs the remaining of <see cref="HeadTrainConfig.Steps"/> steps over the batches (cycled when shorter), reporting
    /// step, rate, ETA and the loss to <paramref name="log"/> at most every LogIntervalSeconds, and every step's result to
    /// <paramref name="onStep"/> (live progress in notebooks).
    /// </summary>
    public List<HeadStepResult> Train(IEnumerable<HeadBatch> batches, Action<string>? log = null, Action<HeadStepResult>? onStep = null)
    {
        var results = new List<HeadStepResult>();
        var sw = Stopwatch.StartNew();
        int start = _step;
        double lastLog = double.NegativeInfinity;
        while (_step < Config.Steps)
        {
            bool any = false;
            foreach (var batch in batches)
            {
                any = true;
                var r = TrainStep(batch.Features, batch.Targets);
                results.Add(r);
                onStep?.Invoke(r);
                double t = sw.Elapsed.TotalSeconds;
                if (log is not null && (t - lastLog >= Config.LogIntervalSeconds || _step == Config.Steps))
                {
                    lastLog = t;
                    double rate = (_step - start) / Math.Max(t, 1e-9);
                    double eta = (Config.Steps - _step) / Math.Max(rate, 1e-9);
                    log($"head step {_step}/{Config.Steps} ({100.0 * _step / Config.Steps:F0}%) {rate:F2} steps/s, elapsed {t:F0}s, ETA {eta:F0}s | " +
                        $"loss {r.Loss:F4} (cls {r.Class:F3}, bce {r.Mask:F3}, dice {r.Dice:F3}) lr {r.LearningRate:G3}");
                }
                if (_step >= Config.Steps) break;
            }
            if (!any) throw new ArgumentException("HeadTrainer.Train: the batch sequence is empty.");
        }
        return results;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _points.Dispose();
    }
}
