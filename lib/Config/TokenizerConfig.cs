namespace MagvitSeg.Config;

/// <summary>
/// The MAGVIT 3D-VQ tokenizer's shape (videogvt/configs/vqgan3d_ucf101_config.py) and its training knobs.
/// Named profiles: <see cref="Tiny"/>, <see cref="Cpu"/>, <see cref="Gpu"/>, <see cref="MagvitB"/>, <see cref="MagvitL"/>.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>Profile name.</summary>
    public string Name { get; init; } = "custom";
    /// <summary>Frames per clip. The default value is 16.</summary>
    public int Frames { get; init; } = 16;
    /// <summary>Frame height = width. The default value is 128.</summary>
    public int Size { get; init; } = 128;
    /// <summary>Base channels. The default value is 64 (MAGVIT-B).</summary>
    public int Filters { get; init; } = 64;
    /// <summary>Channel multiplier per level. The default value is (1, 2, 2, 4).</summary>
    public int[] ChannelMultipliers { get; init; } = { 1, 2, 2, 4 };
    /// <summary>Whether each downsampling stage also halves time. The default value is (true, true, false).</summary>
    public bool[] TemporalDownsample { get; init; } = { true, true, false };
    /// <summary>Residual blocks per level. The default value is 2.</summary>
    public int ResBlocks { get; init; } = 2;
    /// <summary>Latent (code) dimension. The default value is 256.</summary>
    public int EmbeddingDim { get; init; } = 256;
    /// <summary>Codebook entries. The default value is 1024.</summary>
    public int CodebookSize { get; init; } = 1024;
    /// <summary>Commitment loss weight. The default value is 0.25.</summary>
    public double CommitmentWeight { get; init; } = 0.25;
    /// <summary>Codebook loss weight. The default value is 1.0.</summary>
    public double CodebookWeight { get; init; } = 1.0;
    /// <summary>Entropy loss weight (0 = off). The default value is 0.1, as in the official configs.</summary>
    public double EntropyWeight { get; init; } = 0.1;
    /// <summary>Entropy loss temperature. The default value is 0.01.</summary>
    public double EntropyTemperature { get; init; } = 0.01;

    /// <summary>Training steps. The default value is 10000.</summary>
    public int Steps { get; init; } = 10000;
    /// <summary>Clips per step. The default value is 8.</summary>
    public int BatchSize { get; init; } = 8;
    /// <summary>Peak learning rate. The default value is 1e-4.</summary>
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>Linear warm-up steps. The default value is 500.</summary>
    public int WarmupSteps { get; init; } = 500;
    /// <summary>Adam beta1. The default value is 0 (MAGVIT); 0.9 also works.</summary>
    public double Beta1 { get; init; }
    /// <summary>Adam beta2. The default value is 0.99.</summary>
    public double Beta2 { get; init; } = 0.99;
    /// <summary>Gradient norm clip. The default value is 1.0.</summary>
    public double GradClip { get; init; } = 1.0;
    /// <summary>EMA decay of the weights used for evaluation (0 = off). The default value is 0.999.</summary>
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Re-seed codes unused for this many steps from the batch (0 = off). The default value is 200.</summary>
    public int DeadCodeSteps { get; init; } = 200;
    /// <summary>Log / evaluate / checkpoint every N steps. The default value is 100.</summary>
    public int EvalEvery { get; init; } = 100;
    /// <summary>Checkpoints kept. The default value is 3.</summary>
    public int KeepCheckpoints { get; init; } = 3;
    /// <summary>Seed. The default value is 0.</summary>
    public long Seed { get; init; }

    /// <summary>Spatial downsampling factor (2 per stage).</summary>
    public int SpatialFactor => 1 << (ChannelMultipliers.Length - 1);
    /// <summary>Temporal downsampling factor.</summary>
    public int TemporalFactor => 1 << TemporalDownsample.Take(ChannelMultipliers.Length - 1).Count(t => t);

    /// <summary>CI: seconds per run. 8x32x32 clips -> 4x8x8 tokens.</summary>
    public static TokenizerConfig Tiny => new()
    {
        Name = "tiny", Frames = 8, Size = 32, Filters = 16, ChannelMultipliers = new[] { 1, 2, 2 }, TemporalDownsample = new[] { true, false },
        ResBlocks = 1, EmbeddingDim = 32, CodebookSize = 64, Steps = 60, BatchSize = 4, LearningRate = 1e-3, WarmupSteps = 10,
        Beta1 = 0.9, EvalEvery = 20, DeadCodeSteps = 20, EmaDecay = 0.9,
    };

    /// <summary>A laptop study: 16x64x64 clips -> 4x8x8 tokens.</summary>
    public static TokenizerConfig Cpu => new()
    {
        Name = "cpu", Frames = 16, Size = 64, Filters = 32, ChannelMultipliers = new[] { 1, 2, 2, 4 }, TemporalDownsample = new[] { true, true, false },
        ResBlocks = 1, EmbeddingDim = 64, CodebookSize = 256, Steps = 3000, BatchSize = 4, LearningRate = 4e-4, WarmupSteps = 100,
        Beta1 = 0.9, EvalEvery = 100, DeadCodeSteps = 100, EmaDecay = 0.99,
    };

    /// <summary>One GPU, ~30 minutes: 16x128x128 clips -> 4x16x16 tokens.</summary>
    public static TokenizerConfig Gpu => new()
    {
        Name = "gpu", Frames = 16, Size = 128, Filters = 64, ResBlocks = 2, EmbeddingDim = 256, CodebookSize = 1024,
        Steps = 20000, BatchSize = 16, LearningRate = 2e-4, WarmupSteps = 1000, Beta1 = 0.9, EvalEvery = 500,
    };

    /// <summary>The paper's MAGVIT-B tokenizer (UCF-101 3D config).</summary>
    public static TokenizerConfig MagvitB => new() { Name = "magvit-b", Filters = 64, BatchSize = 128, Steps = 500_000 };

    /// <summary>The paper's MAGVIT-L tokenizer.</summary>
    public static TokenizerConfig MagvitL => new() { Name = "magvit-l", Filters = 128, BatchSize = 256, Steps = 500_000 };

    /// <summary>A profile by name.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static TokenizerConfig Profile(string name) => name switch
    {
        "tiny" => Tiny, "cpu" => Cpu, "gpu" => Gpu, "magvit-b" => MagvitB, "magvit-l" => MagvitL,
        _ => throw new ArgumentException($"unknown tokenizer profile '{name}': use tiny, cpu, gpu, magvit-b or magvit-l"),
    };
}
