namespace MagvitSeg.Config;

/// <summary>
/// Architecture of the MAGVIT 3D-VQVAE (encoder, quantiser, decoder), after <c>vqgan3d_ucf101_config.py</c>.
/// </summary>
/// <param name="Frames">Clip length T. <value>The default value is 16.</value></param>
/// <param name="Height">Frame height H. <value>The default value is 128.</value></param>
/// <param name="Width">Frame width W. <value>The default value is 128.</value></param>
/// <param name="Filters">Base channel count. <value>The default value is 64 (MAGVIT-B).</value></param>
/// <param name="ChannelMultipliers">Channels per level = Filters * multiplier. <value>The default value is (1, 2, 2, 4).</value></param>
/// <param name="NumResBlocks">Residual blocks per level, encoder and decoder. <value>The default value is 2.</value></param>
/// <param name="TemporalDownsample">Whether each pooling (one per level but the last) also halves T. <value>The default value is (true, true, false).</value></param>
/// <param name="EmbeddingDim">Latent / code dimension. <value>The default value is 256.</value></param>
/// <param name="CodebookSize">Number of codes. <value>The default value is 1024.</value></param>
/// <param name="TemporalKernel">Temporal size of every 3x3 conv kernel: 3 for the video model, 1 for the image (2D) twin
/// that is inflated into a video model. <value>The default value is 3.</value></param>
/// <param name="CommitmentCost">Weight of ||z - sg(e)||². <value>The default value is 0.25.</value></param>
/// <param name="EmbeddingLossRatio">Weight of ||sg(z) - e||². <value>The default value is 1.0.</value></param>
/// <param name="EntropyLossRatio">Weight of the codebook entropy loss; 0 turns it off. <value>The default value is 0.1.</value></param>
/// <param name="EntropyTemperature">Softmax temperature over negative distances. <value>The default value is 0.01.</value></param>
/// <param name="MinGroupChannels">Fewest channels per GroupNorm group. MAGVIT's 32 groups hold 2+ channels from 64 filters
/// up; a narrow toy model with 1 normalises every channel on its own (instance norm), which removes each clip's mean
/// colour from every layer. <value>The default value is 1 (32 groups wherever the width allows, as MAGVIT).</value></param>
public sealed record VqvaeConfig(
    int Frames = 16,
    int Height = 128,
    int Width = 128,
    int Filters = 64,
    int[]? ChannelMultipliers = null,
    int NumResBlocks = 2,
    bool[]? TemporalDownsample = null,
    int EmbeddingDim = 256,
    int CodebookSize = 1024,
    int TemporalKernel = 3,
    double CommitmentCost = 0.25,
    double EmbeddingLossRatio = 1.0,
    double EntropyLossRatio = 0.1,
    double EntropyTemperature = 0.01,
    int MinGroupChannels = 1)
{
    /// <summary>Channel multipliers per level.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int[] Multipliers => ChannelMultipliers ?? new[] { 1, 2, 2, 4 };

    /// <summary>Temporal halving per pooling (length = levels - 1).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool[] TimeDown => TemporalDownsample ?? new[] { true, true, false };

    /// <summary>Total temporal compression factor.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int TemporalFactor => TimeDown.Aggregate(1, (f, d) => d ? f * 2 : f);

    /// <summary>Total spatial compression factor.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int SpatialFactor => 1 << (Multipliers.Length - 1);

    /// <summary>Latent grid [T', H', W'] for the configured clip size.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public (int T, int H, int W) LatentShape => (Frames / TemporalFactor, Height / SpatialFactor, Width / SpatialFactor);

    /// <summary>Throws <see cref="ArgumentException"/> naming the field and the fix when the config is inconsistent.</summary>
    public void Validate()
    {
        if (Filters <= 0 || EmbeddingDim <= 0 || CodebookSize <= 1 || NumResBlocks < 0)
            throw new ArgumentException($"VqvaeConfig: Filters ({Filters}), EmbeddingDim ({EmbeddingDim}) and CodebookSize ({CodebookSize}) must be positive, NumResBlocks ({NumResBlocks}) non-negative.");
        if (Multipliers.Length < 1) throw new ArgumentException("VqvaeConfig.ChannelMultipliers needs at least one level.");
        if (TimeDown.Length != Multipliers.Length - 1)
            throw new ArgumentException($"VqvaeConfig.TemporalDownsample has {TimeDown.Length} entries; it needs one per pooling, i.e. ChannelMultipliers.Length - 1 = {Multipliers.Length - 1}.");
        if (TemporalKernel is not (1 or 3)) throw new ArgumentException($"VqvaeConfig.TemporalKernel must be 1 (image twin) or 3 (video), got {TemporalKernel}.");
        if (Frames % TemporalFactor != 0 || Height % SpatialFactor != 0 || Width % SpatialFactor != 0)
            throw new ArgumentException($"VqvaeConfig: clip {Frames}x{Height}x{Width} is not divisible by the compression {TemporalFactor}x{SpatialFactor}x{SpatialFactor}; change the clip size or the levels.");
    }
}

/// <summary>The 3D StyleGAN discriminator, after <c>stylegan_discriminator_3d.py</c>.</summary>
/// <param name="Filters">Base channels. <value>The default value is 64.</value></param>
/// <param name="ChannelMultipliers">One blur-pool residual block per entry. <value>The default value is (2, 4, 4, 4, 4).</value></param>
public sealed record DiscriminatorConfig(int Filters = 64, int[]? ChannelMultipliers = null)
{
    /// <summary>Channel multipliers per block.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int[] Multipliers => ChannelMultipliers ?? new[] { 2, 4, 4, 4, 4 };
}

/// <summary>Optimisation and loss settings for tokenizer pretraining (<c>vqgan_train_lib.py</c>).</summary>
/// <param name="Steps">Total optimiser steps. <value>The default value is 10000.</value></param>
/// <param name="BatchSize">Clips per step. <value>The default value is 8.</value></param>
/// <param name="LearningRate">Peak learning rate (generator and discriminator). <value>The default value is 1e-4.</value></param>
/// <param name="Beta1">Adam beta1. <value>The default value is 0.</value></param>
/// <param name="Beta2">Adam beta2. <value>The default value is 0.99.</value></param>
/// <param name="WarmupSteps">Linear warm-up length, then cosine decay to 0 at <see cref="Steps"/>. <value>The default value is 500.</value></param>
/// <param name="GradClip">Global gradient-norm clip; 0 turns it off. <value>The default value is 1.0.</value></param>
/// <param name="EmaDecay">Decay of the EMA copy of the generator used for evaluation. <value>The default value is 0.999.</value></param>
/// <param name="ReconWeight">Weight of the pixel L2 loss. <value>The default value is 1.0.</value></param>
/// <param name="AdversarialWeight">Generator weight of the non-saturating GAN loss. <value>The default value is 0.1.</value></param>
/// <param name="DiscriminatorStartStep">Step from which the discriminator trains and the adversarial term is on; a negative value disables the GAN. <value>The default value is 2000.</value></param>
/// <param name="R1Weight">R1 gradient penalty on real clips. <value>The default value is 10.</value></param>
/// <param name="R1Every">Lazy R1: apply every k discriminator steps, scaled by k. <value>The default value is 4.</value></param>
/// <param name="LecamWeight">LeCAM regulariser weight; 0 turns it off. <value>The default value is 0.</value></param>
/// <param name="LecamEmaDecay">EMA decay of the discriminator's mean real/fake logits for LeCAM. <value>The default value is 0.999.</value></param>
/// <param name="PerceptualWeight">Weight of the perceptual loss; used only with <see cref="PerceptualModel"/>. <value>The default value is 0.1.</value></param>
/// <param name="PerceptualModel">Path of a TorchScript module mapping frames [N,3,H,W] in [-1,1] to features; null (no perceptual loss). <value>The default value is null.</value></param>
/// <param name="CodebookInitFromData">Before the first step, set the codes to latents of the first batch
/// (<c>VectorQuantizer.InitFromLatents</c>); a departure from MAGVIT for short runs. <value>The default value is false (MAGVIT's init).</value></param>
/// <param name="ReseedDeadCodesEvery">Every k steps, codes unused since the last re-seed are replaced by batch latents; 0 turns it off. <value>The default value is 0.</value></param>
/// <param name="Seed">Seed of every RNG. <value>The default value is 0.</value></param>
/// <param name="LogEvery">Steps between scalar reads (console and metrics.csv). <value>The default value is 10.</value></param>
/// <param name="EvalEvery">Steps between held-out evaluations; 0 turns it off. <value>The default value is 500.</value></param>
/// <param name="CheckpointEvery">Steps between checkpoints. <value>The default value is 500.</value></param>
/// <param name="KeepCheckpoints">Checkpoints kept on disk. <value>The default value is 3.</value></param>
public sealed record TrainingConfig(
    int Steps = 10000,
    int BatchSize = 8,
    double LearningRate = 1e-4,
    double Beta1 = 0.0,
    double Beta2 = 0.99,
    int WarmupSteps = 500,
    double GradClip = 1.0,
    double EmaDecay = 0.999,
    double ReconWeight = 1.0,
    double AdversarialWeight = 0.1,
    int DiscriminatorStartStep = 2000,
    double R1Weight = 10.0,
    int R1Every = 4,
    double LecamWeight = 0.0,
    double LecamEmaDecay = 0.999,
    double PerceptualWeight = 0.1,
    string? PerceptualModel = null,
    int ReseedDeadCodesEvery = 0,
    long Seed = 0,
    bool CodebookInitFromData = false,
    int LogEvery = 10,
    int EvalEvery = 500,
    int CheckpointEvery = 500,
    int KeepCheckpoints = 3);

/// <summary>A named tokenizer profile: model, discriminator and training settings together.</summary>
public sealed record TokenizerProfile(string Name, VqvaeConfig Vqvae, DiscriminatorConfig Discriminator, TrainingConfig Training)
{
    /// <summary>CI size: 8x32x32 clips, 16 filters, 64 codes; a training step takes well under a second on CPU.</summary>
    public static TokenizerProfile Tiny { get; } = new("tiny",
        new VqvaeConfig(Frames: 8, Height: 32, Width: 32, Filters: 16, ChannelMultipliers: new[] { 1, 2, 2 }, NumResBlocks: 1,
            TemporalDownsample: new[] { true, false }, EmbeddingDim: 16, CodebookSize: 64),
        new DiscriminatorConfig(Filters: 8, ChannelMultipliers: new[] { 2, 4, 4 }),
        new TrainingConfig(Steps: 200, BatchSize: 2, LearningRate: 1e-3, WarmupSteps: 10, DiscriminatorStartStep: 100,
            LogEvery: 5, EvalEvery: 50, CheckpointEvery: 50));

    /// <summary>
    /// The quick study's tokenizer: the cpu architecture on 8x48x48 clips (2x12x12 tokens), 300 steps of batch 2 without
    /// the discriminator, codebook from data: a couple of minutes on one core. Enough for the video encoder to differ
    /// from a random one; far from a good tokenizer (the cpu profile's 3000 steps are that).
    /// </summary>
    public static TokenizerProfile Quick { get; } = new("quick",
        new VqvaeConfig(Frames: 8, Height: 48, Width: 48, Filters: 8, ChannelMultipliers: new[] { 1, 2, 4 }, NumResBlocks: 1,
            TemporalDownsample: new[] { true, true }, EmbeddingDim: 32, CodebookSize: 256, MinGroupChannels: 8),
        new DiscriminatorConfig(Filters: 4),
        new TrainingConfig(Steps: 300, BatchSize: 2, LearningRate: 1e-3, WarmupSteps: 20, DiscriminatorStartStep: -1,
            CodebookInitFromData: true, LogEvery: 10, EvalEvery: 150, CheckpointEvery: 150));

    /// <summary>
    /// CPU study size: 16x64x64 clips to 4x16x16 tokens (MAGVIT's 4x temporal compression; 4x spatial so the token grid
    /// is 16x16 as in MAGVIT-B at 128x128), 8 base filters, 3000 steps of batch 2 (about 30 minutes on the 2-core
    /// machine). Departures that made the short CPU run learn (200-step probes, eval PSNR on held-out MovingShapes):
    /// GroupNorm never normalises fewer than 8 channels per group (with 8 filters MAGVIT's 32 groups are one channel
    /// each, an instance norm that erases each clip's colours before the output conv: 10.4 dB, grey reconstructions) and
    /// the codebook starts from latents of the first batch (MAGVIT's fan-in init leaves codes at a tenth of the
    /// latents' scale); 8x8 tokens reached 10.4 dB with data init, 11.2 dB with 4 channels per group as well, 16x16 tokens
    /// 12.3 dB with both, after 200 steps.
    /// </summary>
    public static TokenizerProfile Cpu { get; } = new("cpu",
        new VqvaeConfig(Frames: 16, Height: 64, Width: 64, Filters: 8, ChannelMultipliers: new[] { 1, 2, 4 }, NumResBlocks: 1,
            TemporalDownsample: new[] { true, true }, EmbeddingDim: 32, CodebookSize: 256, MinGroupChannels: 8),
        new DiscriminatorConfig(Filters: 4),
        new TrainingConfig(Steps: 3000, BatchSize: 2, LearningRate: 3e-4, WarmupSteps: 100, DiscriminatorStartStep: 1500,
            R1Every: 16, CodebookInitFromData: true, LogEvery: 10, EvalEvery: 500, CheckpointEvery: 500));

    /// <summary>
    /// GPU size: 16x128x128 clips to 4x16x16 tokens, half the width of MAGVIT-B; GroupNorm keeps MAGVIT-B's 2 channels
    /// per group at the 32-channel levels (32 groups of one channel would be an instance norm; see the cpu profile).
    /// 5000 steps of batch 16, the discriminator from step 4000: about 32 minutes on one H200 (measured there in fp32:
    /// 65 clips/s without the discriminator, 17-20 with it and R1 every 4 steps, so 4000 x 16 / 65 + 1000 x 16 / 18 s;
    /// 29-34 GB of GPU memory). The earlier 50000 steps would have taken about 11 hours. Held-out MovingShapes PSNR
    /// after 1000 steps: 14.2 dB.
    /// </summary>
    public static TokenizerProfile Gpu { get; } = new("gpu",
        new VqvaeConfig(Filters: 32, MinGroupChannels: 2),
        new DiscriminatorConfig(Filters: 32),
        new TrainingConfig(Steps: 5000, BatchSize: 16, WarmupSteps: 500, DiscriminatorStartStep: 4000));

    /// <summary>MAGVIT-B as in the UCF-101 3D config (about 40.6 M VQ parameters).</summary>
    public static TokenizerProfile MagvitB { get; } = new("magvit-b",
        new VqvaeConfig(Filters: 64),
        new DiscriminatorConfig(Filters: 64),
        new TrainingConfig(Steps: 100000, BatchSize: 128, WarmupSteps: 5000, DiscriminatorStartStep: 20000));

    /// <summary>MAGVIT-L as in the UCF-101 3D config (about 157.8 M VQ parameters).</summary>
    public static TokenizerProfile MagvitL { get; } = new("magvit-l",
        new VqvaeConfig(Filters: 128),
        new DiscriminatorConfig(Filters: 128),
        new TrainingConfig(Steps: 100000, BatchSize: 256, WarmupSteps: 5000, DiscriminatorStartStep: 20000));

    /// <summary>All named profiles.</summary>
    public static IReadOnlyList<TokenizerProfile> All { get; } = new[] { Tiny, Quick, Cpu, Gpu, MagvitB, MagvitL };

    /// <summary>Looks a profile up by name.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static TokenizerProfile Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown tokenizer profile '{name}'. Known profiles: {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>The image (2D) twin of this profile: temporal kernel 1, no temporal pooling, single frames.</summary>
    public TokenizerProfile ImageTwin() => this with
    {
        Name = Name + "-2d",
        Vqvae = Vqvae with { Frames = 1, TemporalKernel = 1, TemporalDownsample = new bool[Vqvae.Multipliers.Length - 1] },
    };
}
