using System.Globalization;
using System.Text;
using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Evaluation;
using MagvitSeg.Models;
using MagvitSeg.Runtime;
using MagvitSeg.Viz;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>Training stopped because a loss became NaN or infinite.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What a tokenizer run ended with.</summary>
public sealed record TokenizerRunResult(string RunDir, long Steps, double Psnr, double Ssim, double Perplexity, double CodeUsage, double Seconds);

/// <summary>
/// Pretrains the MAGVIT tokenizer: L2 reconstruction + codebook (1.0) + commitment (0.25) + entropy losses, Adam with
/// warm-up + cosine, gradient clipping, EMA weights for evaluation, dead-code re-seeding, per-interval metrics.csv
/// and held-out PSNR/SSIM/perplexity with a reconstruction grid, and atomic, resumable checkpoints. Losses are checked
/// for NaN/Inf on the device every step and read back only at log intervals, so the step has no host round-trip.
/// The adversarial loss with its 3D discriminator is not part of this trainer yet (see the issue notes).
/// </summary>
public sealed class TokenizerTrainer
{
    private readonly TokenizerConfig _c;
    private readonly Device _device;

    /// <summary>The model being trained.</summary>
    public Magvit3dVqvae Model { get; }
    /// <summary>The EMA copy used for evaluation (null when EMA is off).</summary>
    public Magvit3dVqvae? Ema { get; }

    /// <summary>A trainer with a freshly initialised model (seeded by the config).</summary>
    public TokenizerTrainer(TokenizerConfig config, Device device)
    {
        _c = config; _device = device;
        TorchRuntime.Seed(config.Seed);
        Model = new Magvit3dVqvae(config);
        Model.to(device);
        Model.WarmUp(config.BatchSize, device);
        TorchRuntime.Seed(config.Seed);   // the warm-up must not shift the RNG stream of the run
        if (config.EmaDecay > 0)
        {
            Ema = new Magvit3dVqvae(config);
            Ema.to(device);
            Ema.load_state_dict(Model.state_dict());
            Ema.eval();
            foreach (var p in Ema.parameters()) p.requires_grad = false;
        }
    }

    /// <summary>
    /// Trains until <see cref="TokenizerConfig.Steps"/>, writing metrics.csv, checkpoints/ and figures/ into
    /// <paramref name="run"/>. With <paramref name="resume"/>, continues from the newest checkpoint there.
    /// </summary>
    public TokenizerRunResult Train(RunDirectory run, IClipSource train, Tensor heldOut, bool resume = false, Action<string>? log = null)
    {
        log ??= Console.WriteLine;
        var opt = optim.Adam(Model.parameters(), _c.LearningRate, beta1: _c.Beta1, beta2: _c.Beta2);
        string ckptDir = run.PathOf("checkpoints", "x");
        ckptDir = Path.GetDirectoryName(ckptDir)!;
        long start = 0;
        var last = Checkpoints.List(ckptDir).LastOrDefault();
        if (resume && last is not null)
        {
            var st = Checkpoints.Load(last, Model, Ema, opt);
            start = st.Step; train.Position = st.DataPosition;
            Checkpoints.SetRngState(st.RngState);
            log($"resumed from {last} (step {start})");
        }
        string metricsPath = run.PathOf("metrics.csv");
        if (start == 0 || !File.Exists(metricsPath))
            AtomicFile.WriteAllText(metricsPath, "step,loss,recon,codebook,commit,entropy,lr,perplexity,usage,clips_per_s,val_psnr,val_ssim\n");
        else TruncateMetrics(metricsPath, start);

        var K = _c.CodebookSize;
        using var usage = zeros(K, dtype: int64, device: _device);        // codes hit since the last re-seed check
        using var finite = ones(1, dtype: @bool, device: _device);
        var sums = zeros(5, device: _device);                              // loss terms summed since the last log
        int sinceLog = 0;
        var progress = new Progress("pretrain", _c.Steps, log, startAt: start);
        double psnr = double.NaN, ssim = double.NaN, perplexity = double.NaN, used = double.NaN;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long stepsRun = 0, skipped = 0;
        int consecutiveSkips = 0;
        Model.train();
        for (long step = start; step < _c.Steps; step++)
        {
            double lr = Schedules.WarmupCosine(step, _c.LearningRate, _c.WarmupSteps, _c.Steps, 0.1);
            foreach (var g in opt.ParamGroups) g.LearningRate = lr;
            Tensor stepLosses, stepFinite, stepCounts;
            using (var scope = NewDisposeScope())
            {
                var x = train.Next(_c.BatchSize).to(_device);                // [B, 3, T, H, W]
                var (rec, vq, z) = Model.ForwardTrain(x);
                var recon = (rec - x).square().mean();
                var loss = recon + _c.CodebookWeight * vq.CodebookLoss + _c.CommitmentWeight * vq.CommitmentLoss
                           + _c.EntropyWeight * vq.EntropyLoss;
                opt.zero_grad();
                loss.backward();
                double gradNorm = nn.utils.clip_grad_norm_(Model.parameters(), _c.GradClip);
                bool finiteStep = double.IsFinite(gradNorm) && loss.isfinite().item<bool>();
                if (finiteStep)
                {
                    opt.step();
                    if (Ema is not null) UpdateEma(Ema, Model, _c.EmaDecay);
                    consecutiveSkips = 0;
                }
                else
                {
                    // libtorch 2.10's CPU kernels occasionally return NaN gradients on the first backward of a process
                    // (see environment.md); like a mixed-precision grad scaler, skip that update instead of poisoning
                    // the weights, and stop if it keeps happening.
                    skipped++;
                    if (++consecutiveSkips >= 10)
                        throw new TrainingDivergedException(
                            $"the loss or its gradients were NaN/infinite for 10 steps in a row (step {step + 1}); training stopped. " +
                            $"The last good checkpoint is {Checkpoints.List(ckptDir).LastOrDefault() ?? "(none yet)"}. " +
                            "Lower --lr (learning rate), check the data, then resume with --resume.");
                }
                stepFinite = ones(1, dtype: @bool);
                if (!finiteStep) loss = zeros_like(loss);
                stepLosses = finiteStep ? stack(new[] { loss, recon, vq.CodebookLoss, vq.CommitmentLoss, vq.EntropyLoss }).detach() : zeros(5, device: _device);
                stepCounts = vq.Indices.flatten().bincount(null, K);
                if (_c.DeadCodeSteps > 0 && (step + 1) % _c.DeadCodeSteps == 0)
                {
                    // codes never hit since the last check, this step included
                    var dead = ((usage + stepCounts) == 0).nonzero().flatten();
                    if (dead.numel() > 0) Model.Quantizer.Reseed(dead.cpu().data<long>().ToArray(), z.detach().permute(0, 2, 3, 4, 1).reshape(-1, _c.EmbeddingDim));
                }
                scope.MoveToOuter(stepFinite, stepLosses, stepCounts);
                vq.Dispose();
            }
            // Accumulators live outside the step's dispose scope: in-place results created inside a scope can be
            // wrappers that the scope would dispose, freeing the accumulator itself.
            finite.logical_and_(stepFinite);
            sums.add_(stepLosses);
            if (_c.DeadCodeSteps > 0 && (step + 1) % _c.DeadCodeSteps == 0) usage.zero_(); else usage.add_(stepCounts);
            stepFinite.Dispose(); stepLosses.Dispose(); stepCounts.Dispose();
            if (consecutiveSkips == 0) sinceLog++;
            stepsRun++;
            bool lastStep = step == _c.Steps - 1;
            if ((step + 1) % _c.EvalEvery != 0 && !lastStep) continue;
            if (sinceLog == 0) continue;                                     // every step of the interval was skipped

            // Log interval: the only host round-trip.
            if (!finite.item<bool>())
            {
                string good = Checkpoints.List(ckptDir).LastOrDefault() ?? "(none yet)";
                var avg = (sums / sinceLog).cpu().data<float>().ToArray();

                throw new TrainingDivergedException(
                    $"a loss became NaN or infinite between steps {step + 2 - sinceLog} and {step + 1} (interval means of loss, recon, codebook, commit, entropy: " +
                    string.Join(", ", avg.Select(v => v.ToString("G4", CultureInfo.InvariantCulture))) + $"); training stopped. The last good checkpoint is {good}. " +
                    "Lower --lr (learning rate) or the batch's value range, then resume with --resume.");
            }
            var m = (sums / sinceLog).cpu().data<float>().ToArray();
            sums.zero_(); sinceLog = 0;
            (psnr, ssim, perplexity, used) = Evaluate(heldOut, run, step + 1);
            double rate = stepsRun * _c.BatchSize / sw.Elapsed.TotalSeconds;
            var line = string.Join(',', new[] { step + 1.0, m[0], m[1], m[2], m[3], m[4], lr, perplexity, used, rate, psnr, ssim }
                .Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
            File.AppendAllText(metricsPath, line + "\n");
            if (skipped > 0) log($"note: {skipped} update(s) skipped so far because of non-finite gradients");
            progress.Report(step + 1, $"loss {m[0]:F4} recon {m[1]:F4} val PSNR {psnr:F2} dB SSIM {ssim:F3} perplexity {perplexity:F1} ({used:P0} codes) {rate:F1} clips/s", force: true);
            var metrics = new Dictionary<string, double> { ["loss"] = m[0], ["val_psnr"] = psnr, ["val_ssim"] = ssim, ["perplexity"] = perplexity };
            Checkpoints.Save(ckptDir, new CheckpointState(step + 1, train.Position, Checkpoints.RngState(), metrics), Model, Ema, opt, _c.KeepCheckpoints);
        }
        sums.Dispose();
        return new TokenizerRunResult(run.Root, _c.Steps, psnr, ssim, perplexity, used, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Held-out PSNR, SSIM, codebook perplexity and the fraction of codes used, with the EMA weights; saves a reconstruction grid.</summary>
    public (double Psnr, double Ssim, double Perplexity, double Usage) Evaluate(Tensor heldOut, RunDirectory? run = null, long step = 0)
    {
        var model = Ema ?? Model;
        bool wasTraining = Model.training;
        model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = heldOut.to(_device);
        using var enc = model.Encode(x);
        var rec = model.Decoder.forward(enc.Quantized).clamp(-1, 1);
        double psnr = ReconstructionMetrics.Psnr(rec, x), ssim = ReconstructionMetrics.Ssim(rec, x);
        var counts = enc.Indices.flatten().bincount(null, _c.CodebookSize).to_type(float32);
        var p = counts / counts.sum();
        double perplexity = (-(p * (p + 1e-10).log()).sum()).exp().item<float>();
        double usage = (counts > 0).sum().item<long>() / (double)_c.CodebookSize;
        if (run is not null)
            ImageGrid.Reconstruction(x[0], rec[0]).Save(run.PathOf("figures", $"reconstruction_step{step:D7}.png"));
        if (wasTraining) Model.train();
        return (psnr, ssim, perplexity, usage);
    }

    private static void UpdateEma(nn.Module ema, nn.Module model, double decay)
    {
        using var _ = no_grad();
        foreach (var (e, p) in ema.parameters().Zip(model.parameters())) e.mul_(decay).add_(p, alpha: 1 - decay);
    }

    // After a resume the rows past the checkpoint's step would be duplicated: drop them.
    private static void TruncateMetrics(string path, long step)
    {
        var lines = File.ReadAllLines(path);
        var keep = new StringBuilder(lines[0]).Append('\n');
        foreach (var l in lines.Skip(1))
            if (double.TryParse(l.Split(',')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s <= step) keep.Append(l).Append('\n');
        AtomicFile.WriteAllText(path, keep.ToString());
    }
}
