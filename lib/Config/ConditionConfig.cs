namespace MagvitSeg.Config;

/// <summary>How the non-condition frames of the clip are filled.</summary>
public enum CondPadding
{
    /// <summary><c>jnp.pad(mode="edge")</c>, MAGVIT's configured choice: the last condition frame is replicated.</summary>
    Edge,
    /// <summary><c>jnp.pad(mode="constant")</c> with its default value 0, which is mid-grey for pixels in [-1, 1].</summary>
    Zeros,
    /// <summary>Seeded Gaussian noise (mean 0, <see cref="ConditionConfig.NoiseStd"/>), clamped to [-1, 1].</summary>
    Noise,
    /// <summary>No padding at all: the clip is only the condition frames (T = CondFrames).</summary>
    FirstFrameOnly,
}

/// <summary>
/// Settings of the frame-prediction condition (MAGVIT <c>frame_prediction_cond</c>): a clip of <see cref="Frames"/>
/// frames whose first <see cref="CondFrames"/> are the input and whose rest is padding; <see cref="CondLatentFrames"/>
/// of the <c>ceil(Frames / TemporalCompression)</c> latent frames are marked as condition.
/// </summary>
/// <param name="Frames">Frames T of the produced clip. <value>The default value is 16.</value></param>
/// <param name="CondFrames">Condition frames at the start of the clip (the still image). <value>The default value is 1.</value></param>
/// <param name="Padding">How the other frames are filled. <value>The default value is <see cref="CondPadding.Edge"/>.</value></param>
/// <param name="CondLatentFrames">Latent frames marked as condition. <value>The default value is 1.</value></param>
/// <param name="TemporalCompression">The encoder's temporal pooling factor. <value>The default value is 4.</value></param>
/// <param name="NoiseSeed">Seed of the noise padding. <value>The default value is 0.</value></param>
/// <param name="NoiseStd">Standard deviation of the noise padding. <value>The default value is 1.0.</value></param>
public sealed record ConditionConfig(
    int Frames = 16,
    int CondFrames = 1,
    CondPadding Padding = CondPadding.Edge,
    int CondLatentFrames = 1,
    int TemporalCompression = 4,
    long NoiseSeed = 0,
    double NoiseStd = 1.0)
{
    /// <summary>MAGVIT's BAIR frame-prediction setting applied to one still image: 16 frames, edge padding.</summary>
    public static ConditionConfig Magvit => new();

    /// <summary>Named profiles: magvit (edge, T=16), zeros, noise, t4, t8, first-frame.</summary>
    public static ConditionConfig Named(string name) => name.Trim().ToLowerInvariant() switch
    {
        "magvit" or "edge" => Magvit,
        "zeros" => Magvit with { Padding = CondPadding.Zeros },
        "noise" => Magvit with { Padding = CondPadding.Noise },
        "t4" => Magvit with { Frames = 4 },
        "t8" => Magvit with { Frames = 8 },
        "first-frame" => Magvit with { Padding = CondPadding.FirstFrameOnly },
        _ => throw new ArgumentException($"Unknown condition profile '{name}': use magvit, zeros, noise, t4, t8 or first-frame."),
    };

    /// <summary>Frames in the produced clip.</summary>
    public int ClipFrames => Padding == CondPadding.FirstFrameOnly ? CondFrames : Frames;

    /// <summary>Latent frames of the produced clip (the encoder's temporal pooling, rounded up for short clips).</summary>
    public int LatentFrames => (ClipFrames + TemporalCompression - 1) / TemporalCompression;

    /// <summary>A short stable description, for cache keys and logs.</summary>
    public string Describe() =>
        $"{Padding.ToString().ToLowerInvariant()}-T{ClipFrames}-c{CondFrames}-lc{CondLatentFrames}" +
        (Padding == CondPadding.Noise ? $"-s{NoiseSeed}-std{NoiseStd:G4}" : "");

    internal void Validate()
    {
        if (CondFrames < 1) throw new ArgumentException($"ConditionConfig.CondFrames is {CondFrames}: it must be at least 1.");
        if (Padding != CondPadding.FirstFrameOnly && CondFrames >= Frames)
            throw new ArgumentException(
                $"ConditionConfig.CondFrames ({CondFrames}) must be smaller than Frames ({Frames}), as in MAGVIT's frame_prediction_cond; " +
                "use Padding = FirstFrameOnly for a clip of the condition frames alone.");
        if (TemporalCompression < 1) throw new ArgumentException($"ConditionConfig.TemporalCompression is {TemporalCompression}: it must be at least 1.");
        if (CondLatentFrames < 0 || CondLatentFrames > LatentFrames)
            throw new ArgumentException($"ConditionConfig.CondLatentFrames ({CondLatentFrames}) must be in 0..{LatentFrames} (the clip's latent frames).");
        if (Padding == CondPadding.Noise && !(NoiseStd > 0)) throw new ArgumentException($"ConditionConfig.NoiseStd is {NoiseStd}: it must be positive.");
    }
}
