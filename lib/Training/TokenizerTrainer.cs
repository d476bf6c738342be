using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// One MAGVIT tokenizer training step and all the state a step changes: VQ model, its EMA copy, discriminator,
/// both Adam optimisers, LeCAM averages and the step counter (<c>vqgan_train_lib.py</c>). The loop, logging and
/// checkpoint files live in <see cref="PretrainLoop"/> and <see cref="TokenizerCheckpoint"/>.
/// Every step's scalars stay on the device as one stacked vector (<see cref="StepLosses.Names"/>); reading them is the
/// caller's choice, so a step costs no host round-trip.
/// </summary>
public sealed class TokenizerTrainer : IDisposable
{
    private readonly Adam _optG;
    private readonly Adam? _optD;
    private readonly ModelEma _ema;
    private readonly PerceptualLoss? _perceptual;
    private readonly Parameter[] _genParams;
    private readonly Parameter[] _discParams;
    private Tensor _lecamReal;
    private Tensor _lecamFake;
    private Tensor _firstBadStep;

    /// <summary>Builds models and optimisers for <paramref name="profile"/> on <paramref name="device"/>, seeded.</summary>
    public TokenizerTrainer(TokenizerProfile profile, Device device)
    {
        Profile = profile;
        Device = device;
        var t = profile.Training;
        TorchRuntime.Seed(t.Seed);
        Model = new Magvit3dVqvae(profile.Vqvae);
        Model.to(device);
        EmaModel = new Magvit3dVqvae(profile.Vqvae);
        EmaModel.to(device);
        EmaModel.eval();
        foreach (var p in EmaModel.parameters()) p.requires_grad = false;
        _ema = new ModelEma(Model, EmaModel, t.EmaDecay);
        _genParams = Model.parameters().ToArray();
        _optG = optim.Adam(_genParams, t.LearningRate, t.Beta1, t.Beta2);
        if (t.DiscriminatorStartStep >= 0)
        {
            Discriminator = new Discriminator3d(profile.Discriminator, profile.Vqvae);
            Discriminator.to(device);
            _discParams = Discriminator.parameters().ToArray();
            _optD = optim.Adam(_discParams, t.LearningRate, t.Beta1, t.Beta2);
        }
        else _discParams = Array.Empty<Parameter>();
        if (t.PerceptualModel is not null && t.PerceptualWeight > 0) _perceptual = new PerceptualLoss(t.PerceptualModel, device);
        _lecamReal = zeros(new long[0], device: device);
        _lecamFake = zeros(new long[0], device: device);
        _firstBadStep = full(new long[] { StepLosses.Names.Length }, -1L, dtype: int64, device: device);
    }

    /// <summary>The profile being trained.</summary>
    public TokenizerProfile Profile { get; }

    /// <summary>Where every tensor lives.</summary>
    public Device Device { get; }

    /// <summary>The VQ model being optimised.</summary>
    public Magvit3dVqvae Model { get; }

    /// <summary>EMA of <see cref="Model"/>'s weights; use it for evaluation and export.</summary>
    public Magvit3dVqvae EmaModel { get; }

    /// <summary>The discriminator, or null when the GAN is disabled (DiscriminatorStartStep &lt; 0).</summary>
    public Discriminator3d? Discriminator { get; }

    /// <summary>Steps done so far (the next step's index).</summary>
    public long Step { get; private set; }

    /// <summary>The learning rate of step <paramref name="step"/>.</summary>
    public double LearningRateAt(long step)
    {
        var t = Profile.Training;
        return LearningRateSchedule.At(step, t.LearningRate, t.WarmupSteps, t.Steps);
    }

    /// <summary>Whether the GAN terms are on at <paramref name="step"/>.</summary>
    public bool GanActive(long step) => Discriminator is not null && step >= Profile.Training.DiscriminatorStartStep;

    /// <summary>
    /// Runs one step on <paramref name="clips"/> ([B, 3, T, H, W] in [-1, 1], any device) and returns the detached
    /// scalars [<see cref="StepLosses.Names"/>.Length] on the device.
    /// </summary>
    public Tensor TrainStep(Tensor clips)
    {
        using var scope = NewDisposeScope();
        var t = Profile.Training;
        long step = Step;
        double lr = LearningRateAt(step);
        SetLearningRate(_optG, lr);
        if (_optD is not null) SetLearningRate(_optD, lr);
        bool gan = GanActive(step);
        var zero = zeros(new long[0], device: Device);
        var real = clips.to(Device);                                         // [B, 3, T, H, W]

        // Generator (VQ model) update.
        Model.train();
        SetRequiresGrad(_discParams, false);
        if (step == 0 && t.CodebookInitFromData)
            using (no_grad()) Model.Quantizer.InitFromLatents(Model.Encode(real).Latent);
        var enc = Model.Encode(real);
        var q = enc.Quantizer;
        var recon = Model.Decode(enc.Quantized);                             // [B, 3, T, H, W]
        var reconLoss = (recon - real).square().mean() * t.ReconWeight;
        var gAdv = gan ? GanLosses.GeneratorNonSaturating(Discriminator!.forward(recon)) * t.AdversarialWeight : zero;
        var perceptual = _perceptual is not null ? _perceptual.Forward(real, recon) * t.PerceptualWeight : zero;
        var total = reconLoss + q.Loss + gAdv + perceptual;
        _optG.zero_grad();
        total.backward();
        var skipped = ClipGradients(_genParams, t.GradClip);
        _optG.step();
        _ema.Update(step);

        // Discriminator update.
        Tensor dLoss = zero, r1 = zero, lecam = zero;
        if (gan)
        {
            SetRequiresGrad(_discParams, true);
            bool r1Now = t.R1Weight > 0 && step % Math.Max(1, t.R1Every) == 0;
            var realIn = r1Now ? real.detach().requires_grad_(true) : real;
            var realLogits = Discriminator!.forward(realIn);                // [B, 1]
            var fakeLogits = Discriminator.forward(recon.detach());          // [B, 1]
            dLoss = GanLosses.DiscriminatorNonSaturating(realLogits, fakeLogits);
            if (r1Now) r1 = GanLosses.R1Penalty(realLogits, realIn) * (t.R1Weight * Math.Max(1, t.R1Every));
            if (t.LecamWeight > 0)
            {
                lecam = GanLosses.Lecam(realLogits, fakeLogits, _lecamReal, _lecamFake) * t.LecamWeight;
                using (no_grad())
                {
                    _lecamReal.mul_(t.LecamEmaDecay).add_(realLogits.detach().mean(), alpha: 1 - t.LecamEmaDecay);
                    _lecamFake.mul_(t.LecamEmaDecay).add_(fakeLogits.detach().mean(), alpha: 1 - t.LecamEmaDecay);
                }
            }
            _optD!.zero_grad();
            (dLoss + r1 + lecam).backward();
            skipped = skipped + ClipGradients(_discParams, t.GradClip);
            _optD.step();
        }

        if (t.ReseedDeadCodesEvery > 0 && (step + 1) % t.ReseedDeadCodesEvery == 0) Model.Quantizer.ReseedDeadCodes(enc.Latent);

        var usage = bincount(q.Indices.flatten(), minlength: Profile.Vqvae.CodebookSize).gt(0).sum().to_type(float32);
        var scalars = stack(new[]
        {
            total + dLoss + r1 + lecam, reconLoss, q.CodebookLoss, q.CommitmentLoss, q.EntropyLoss, gAdv, perceptual,
            dLoss, r1, lecam, q.Perplexity, usage, skipped,
        }.Select(s => s.detach().to_type(float32).reshape(new long[0]))).detach();
        using (no_grad())
        {
            var bad = FatalTerms(scalars).logical_and(_firstBadStep.lt(0));
            _firstBadStep.masked_fill_(bad, step);
        }
        Step = step + 1;
        return scope.MoveToOuter(scalars);
    }

    /// <summary>
    /// Which of a step's scalars (<see cref="StepLosses.Names"/>) end the run for being NaN/Inf: all of them, except a
    /// non-finite R1 penalty and the total it spoils. Why: the image-only tokenizer (cpu-2d) stopped on a NaN R1 at steps
    /// 1856 and 2768 with R1 finite (1-9) on every R1 step before, while its generator updates were being dropped for
    /// non-finite gradients on about a quarter of its GAN steps, a fault of oneDNN's AVX2 convolution kernels on this
    /// CPU (environment.md; the video tokenizer: 1 in 1500); the R1 NaN is most likely the same fault in its double
    /// backward. Such a step's discriminator update is already dropped (its gradient norm is non-finite,
    /// <see cref="ClipGradients"/>) and counted in "skipped"; metrics.csv keeps the NaN. Discriminator weights gone bad
    /// still stop the run: d_loss is non-finite then.
    /// </summary>
    internal static Tensor FatalTerms(Tensor scalars)
    {
        using var scope = NewDisposeScope();
        var bad = scalars.isfinite().logical_not();
        var excused = zeros_like(bad);
        excused[StepLosses.Index("loss")] = bad[StepLosses.Index("r1")];
        excused[StepLosses.Index("r1")] = bad[StepLosses.Index("r1")];
        return scope.MoveToOuter(bad.logical_and(excused.logical_not()));
    }

    /// <summary>
    /// Throws <see cref="NonFiniteLossException"/> if any step so far produced a NaN/Inf scalar that ends the run
    /// (<see cref="FatalTerms"/>; one host read).
    /// </summary>
    public void ThrowIfNonFinite()
    {
        var steps = _firstBadStep.cpu().data<long>().ToArray();
        long first = long.MaxValue; int term = -1;
        // Components before the total: when both break at the same step the specific term is the useful one.
        // "skipped" is a count, never non-finite, so it is left out.
        foreach (int i in Enumerable.Range(1, steps.Length - 2).Append(0))
            if (steps[i] >= 0 && steps[i] < first) { first = steps[i]; term = i; }
        if (term >= 0) throw new NonFiniteLossException(first, StepLosses.Names[term]);
    }

    internal Adam GeneratorOptimizer => _optG;
    internal Adam? DiscriminatorOptimizer => _optD;
    internal Tensor LecamReal => _lecamReal;
    internal Tensor LecamFake => _lecamFake;

    internal void RestoreStep(long step) => Step = step;

    private static void SetLearningRate(Adam optimizer, double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
    }

    private static void SetRequiresGrad(IEnumerable<Parameter> parameters, bool value)
    {
        foreach (var p in parameters) p.requires_grad = value;
    }

    /// <summary>
    /// Global-norm clipping done on the device (TorchSharp's clip_grad_norm_ returns a host double, a sync). When the
    /// norm is NaN/Inf every gradient is zeroed, which with Adam (beta1 0) makes the update a no-op: libtorch 2.10 on
    /// this CPU produced occasional NaN gradients with 2 intra-op threads (see the report), and one bad batch must not
    /// destroy the weights. Returns 1 when the step was skipped, else 0, as a device scalar.
    /// </summary>
    private static Tensor ClipGradients(Parameter[] parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
        if (grads.Length == 0) return scope.MoveToOuter(zeros(new long[0]));
        var norm = stack(grads.Select(g => g.square().sum())).sum().sqrt();
        var finite = norm.isfinite();
        var coef = maxNorm > 0 ? (maxNorm / (norm + 1e-6)).clamp_max(1.0) : ones_like(norm);
        coef = where(finite, coef, zeros_like(coef));
        foreach (var g in grads) g.copy_(where(finite, g * coef, zeros_like(g)));
        return scope.MoveToOuter(finite.logical_not().to_type(float32));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Model.Dispose();
        EmaModel.Dispose();
        Discriminator?.Dispose();
        _optG.Dispose();
        _optD?.Dispose();
        _perceptual?.Dispose();
        _lecamReal.Dispose();
        _lecamFake.Dispose();
        _firstBadStep.Dispose();
    }
}
