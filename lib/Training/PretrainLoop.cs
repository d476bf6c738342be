using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MagvitSeg.Data;
using MagvitSeg.Evaluation;
using MagvitSeg.Viz;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>Where a pretraining run writes: config.json, metrics.csv, eval.csv, checkpoints/, figures/.</summary>
/// <param name="Root">The run folder.</param>
public sealed record PretrainOutput(string Root)
{
    /// <summary>Resolved profile of the run.</summary>
    public string ConfigJson => Path.Combine(Root, "config.json");

    /// <summary>One row per training step.</summary>
    public string MetricsCsv => Path.Combine(Root, "metrics.csv");

    /// <summary>One row per held-out evaluation.</summary>
    public string EvalCsv => Path.Combine(Root, "eval.csv");

    /// <summary>Checkpoint folder.</summary>
    public string Checkpoints => Path.Combine(Root, "checkpoints");

    /// <summary>Reconstruction grids.</summary>
    public string Figures => Path.Combine(Root, "figures");
}

/// <summary>What a finished (or stopped) run reports.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="ClipsPerSecond">Training throughput over the run (excluding evaluation and checkpoints).</param>
/// <param name="LastScalars">The last step's scalars by name.</param>
/// <param name="LastEval">The last held-out evaluation, if any.</param>
public sealed record PretrainSummary(long Step, double ClipsPerSecond, IReadOnlyDictionary<string, double> LastScalars, TokenizerEvalResult? LastEval);

/// <summary>
/// The pretraining loop: batches from an <see cref="IClipSource"/>, <see cref="TokenizerTrainer.TrainStep"/>, scalars
/// read every LogEvery steps (one host transfer for the whole window) into metrics.csv and the console, periodic EMA
/// evaluation with a figure, atomic checkpoints, and a clean stop on NaN/Inf.
/// </summary>
public static class PretrainLoop
{
    /// <summary>Columns of metrics.csv.</summary>
    public static IReadOnlyList<string> MetricsColumns { get; } =
        new[] { "step" }.Concat(StepLosses.Names).Concat(new[] { "lr", "clips_per_s" }).ToArray();

    /// <summary>Columns of eval.csv.</summary>
    public static IReadOnlyList<string> EvalColumns { get; } = new[] { "step", "psnr", "ssim", "perplexity", "usage", "recon_l2" };

    /// <summary>
    /// Trains until <paramref name="untilStep"/> (exclusive), resuming from the trainer's current step.
    /// </summary>
    /// <param name="trainer">Model, optimisers and step (fresh, or restored from a checkpoint).</param>
    /// <param name="train">Training clips.</param>
    /// <param name="heldOut">Held-out clips for evaluation, or null.</param>
    /// <param name="output">Run folder.</param>
    /// <param name="untilStep">Stop before this step.</param>
    /// <param name="log">Console lines.</param>
    /// <param name="evalBatches">Held-out batches per evaluation.</param>
    /// <param name="onScalars">Called with the step reached and the last step's scalars by name each time they are read (every LogEvery steps): live progress displays.</param>
    /// <exception cref="NonFiniteLossException">A loss became NaN/Inf; the newest checkpoint on disk predates it.</exception>
    public static PretrainSummary Run(TokenizerTrainer trainer, IClipSource train, IClipSource? heldOut, PretrainOutput output,
        long untilStep, Action<string>? log = null, int evalBatches = 2, Action<long, IReadOnlyDictionary<string, double>>? onScalars = null)
    {
        var t = trainer.Profile.Training;
        Directory.CreateDirectory(output.Root);
        Directory.CreateDirectory(output.Checkpoints);
        WriteAtomic(output.ConfigJson, JsonSerializer.Serialize(trainer.Profile, TokenizerCheckpoint.Json));
        var metrics = new MetricsLog(output.MetricsCsv, MetricsColumns);
        metrics.TruncateFrom(trainer.Step);
        var evals = new MetricsLog(output.EvalCsv, EvalColumns);
        evals.TruncateFrom(trainer.Step + 1);

        var pending = new List<(long Step, Tensor Scalars, double Lr)>();
        var window = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        double trainSeconds = 0;
        long trainedClips = 0, startStep = trainer.Step;
        double[] last = new double[StepLosses.Names.Length];
        TokenizerEvalResult? lastEval = null;
        try
        {
            while (trainer.Step < untilStep)
            {
                long step = trainer.Step;
                using (var batch = train.Batch(step, t.BatchSize))
                {
                    double lr = trainer.LearningRateAt(step);
                    pending.Add((step, trainer.TrainStep(batch), lr));
                }
                trainedClips += t.BatchSize;
                bool end = trainer.Step >= untilStep;
                if (pending.Count >= Math.Max(1, t.LogEvery) || end)
                {
                    double seconds = window.Elapsed.TotalSeconds;
                    trainSeconds += seconds;
                    double rate = pending.Count * t.BatchSize / Math.Max(seconds, 1e-9);
                    last = Flush(metrics, pending, rate);
                    trainer.ThrowIfNonFinite();
                    double eta = (untilStep - trainer.Step) * t.BatchSize / Math.Max(rate, 1e-9);
                    log?.Invoke(FormatProgress(trainer.Step, untilStep, last, rate, eta));
                    onScalars?.Invoke(trainer.Step, ByName(last));
                    window.Restart();
                }
                if (t.EvalEvery > 0 && heldOut is not null && (trainer.Step % t.EvalEvery == 0 || end))
                {
                    lastEval = Evaluate(trainer, heldOut, output, evals, evalBatches);
                    log?.Invoke($"eval step {trainer.Step}: PSNR {lastEval.Psnr:F2} dB, SSIM {lastEval.Ssim:F4}, perplexity {lastEval.Perplexity:F1}, usage {lastEval.Usage}/{trainer.Profile.Vqvae.CodebookSize}");
                    window.Restart();
                }
                if (trainer.Step % Math.Max(1, t.CheckpointEvery) == 0 || end)
                {
                    if (pending.Count > 0) { last = Flush(metrics, pending, double.NaN); }
                    trainer.ThrowIfNonFinite();
                    string path = Path.Combine(output.Checkpoints, TokenizerCheckpoint.FileName(trainer.Step));
                    TokenizerCheckpoint.Save(trainer, path);
                    TokenizerCheckpoint.Prune(output.Checkpoints, t.KeepCheckpoints);
                    window.Restart();
                }
            }
        }
        finally
        {
            foreach (var p in pending) p.Scalars.Dispose();
        }
        var lastByName = ByName(last);
        double clipsPerSecond = trainedClips / Math.Max(trainSeconds, 1e-9);
        log?.Invoke($"done: {trainer.Step - startStep} steps in {total.Elapsed:hh\\:mm\\:ss}, {clipsPerSecond:F2} clips/s (training only)");
        return new PretrainSummary(trainer.Step, clipsPerSecond, lastByName, lastEval);
    }

    private static Dictionary<string, double> ByName(double[] scalars) =>
        StepLosses.Names.Select((n, i) => (n, scalars[i])).ToDictionary(p => p.n, p => p.Item2);

    private static double[] Flush(MetricsLog metrics, List<(long Step, Tensor Scalars, double Lr)> pending, double rate)
    {
        using var stacked = stack(pending.Select(p => p.Scalars)).cpu();      // [n, terms]
        var values = stacked.data<float>().ToArray();
        int terms = StepLosses.Names.Length;
        var rows = pending.Select((p, i) =>
            new double[] { p.Step }.Concat(values.Skip(i * terms).Take(terms).Select(v => (double)v)).Concat(new[] { p.Lr, rate }).ToArray()).ToArray();
        metrics.Append(rows);
        foreach (var p in pending) p.Scalars.Dispose();
        pending.Clear();
        return rows[^1].Skip(1).Take(terms).ToArray();
    }

    private static TokenizerEvalResult Evaluate(TokenizerTrainer trainer, IClipSource heldOut, PretrainOutput output, MetricsLog evals, int batches)
    {
        Tensor? input = null, recon = null;
        var result = TokenizerEvaluator.Evaluate(trainer.EmaModel, heldOut, batches, trainer.Profile.Training.BatchSize,
            (x, y) => { input = x; recon = y; });
        evals.Append(new[] { new double[] { trainer.Step, result.Psnr, result.Ssim, result.Perplexity, result.Usage, result.ReconL2 } });
        if (input is not null && recon is not null)
        {
            ImageGrid.Reconstruction(input, recon, maxClips: 2).Save(Path.Combine(output.Figures, $"recon-step-{trainer.Step:D8}.png"));
            input.Dispose();
            recon.Dispose();
        }
        return result;
    }

    private static string FormatProgress(long step, long until, double[] s, double rate, double etaSeconds)
    {
        string F(string name) => s[StepLosses.Index(name)].ToString("G4", CultureInfo.InvariantCulture);
        var eta = TimeSpan.FromSeconds(Math.Min(etaSeconds, TimeSpan.MaxValue.TotalSeconds / 2));
        return $"step {step}/{until} loss {F("loss")} recon {F("recon")} vq {F("codebook")}+{F("commitment")} ent {F("entropy")} " +
               $"g_adv {F("g_adv")} d {F("d_loss")} ppl {F("perplexity")} used {F("usage")} | {rate:F2} clips/s | ETA {eta:hh\\:mm\\:ss}";
    }

    private static void WriteAtomic(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
