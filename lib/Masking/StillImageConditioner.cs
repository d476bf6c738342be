using static TorchSharp.torch;

namespace MagvitSeg.Masking;

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

/// <summary>The condition clip and which of its frames / latent frames are condition.</summary>
/// <param name="Video">[B, 3, T, H, W] (or [3, T, H, W] when the input had no batch dimension).</param>
/// <param name="VideoMask">Per clip frame: true for a condition frame.</param>
/// <param name="LatentMask">Per latent frame: true for a condition latent frame (the <c>cond_latent_frames</c>).</param>
public sealed record ConditionedClip(Tensor Video, bool[] VideoMask, bool[] LatentMask) : IDisposable
{
    /// <summary>Indices of the condition latent frames.</summary>
    public int[] CondLatentFrameIndices => Enumerable.Range(0, LatentMask.Length).Where(i => LatentMask[i]).ToArray();

    public void Dispose() => Video.Dispose();
}

/// <summary>
/// Turns still images into MAGVIT frame-prediction condition clips: the image is the condition frame and the remaining
/// frames are padded the way <c>frame_prediction_cond</c> does (<c>jnp.pad</c> on the time axis), or by an alternative.
/// </summary>
public static class StillImageConditioner
{
    /// <summary>Image [3, H, W] or batch [B, 3, H, W] in [-1, 1] -> clip [3, T, H, W] / [B, 3, T, H, W].</summary>
    public static ConditionedClip FromImage(Tensor image, ConditionConfig config)
    {
        bool batched = image.dim() == 4;
        if (!batched && image.dim() != 3)
            throw new ArgumentException($"StillImageConditioner: expected an image [3, H, W] or a batch [B, 3, H, W], got [{string.Join(", ", image.shape)}].");
        using var scope = NewDisposeScope();
        var video = (batched ? image : image.unsqueeze(0)).unsqueeze(2);                 // [B, 3, 1, H, W]
        if (config.CondFrames > 1) video = video.expand(-1, -1, config.CondFrames, -1, -1); // a still image repeated
        var clip = FromVideo(video, config);
        var v = batched ? clip.Video : clip.Video.squeeze(0);
        scope.MoveToOuter(v);
        return clip with { Video = v };
    }

    /// <summary>
    /// Video [B, 3, Tin, H, W] with Tin &gt;= CondFrames -> clip [B, 3, T, H, W]: the first CondFrames frames are kept and
    /// the rest of the T frames are padding, as <c>frame_prediction_cond</c> with <c>cond_padding</c>.
    /// </summary>
    public static ConditionedClip FromVideo(Tensor video, ConditionConfig config)
    {
        config.Validate();
        if (video.dim() != 5 || video.shape[1] != 3)
            throw new ArgumentException($"StillImageConditioner: expected a video [B, 3, T, H, W], got [{string.Join(", ", video.shape)}].");
        if (video.shape[2] < config.CondFrames)
            throw new ArgumentException($"StillImageConditioner: the video has {video.shape[2]} frames, fewer than CondFrames = {config.CondFrames}.");
        using var scope = NewDisposeScope();
        long b = video.shape[0], h = video.shape[3], w = video.shape[4];
        int c = config.CondFrames, t = config.ClipFrames, pad = t - c;
        var cond = video.narrow(2, 0, c);                                                  // [B, 3, c, H, W]
        Tensor clip = config.Padding switch
        {
            CondPadding.FirstFrameOnly => cond.contiguous(),
            CondPadding.Edge => cat(new[] { cond, cond.narrow(2, c - 1, 1).expand(-1, -1, pad, -1, -1) }, 2),
            CondPadding.Zeros => cat(new[] { cond, zeros(new[] { b, 3, pad, h, w }, cond.dtype, cond.device) }, 2),
            CondPadding.Noise => cat(new[] { cond, SeededNoise(new[] { b, 3, pad, h, w }, config).to(cond.dtype, cond.device) }, 2),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Padding, "unknown padding"),
        };                                                                                  // [B, 3, T, H, W]
        var videoMask = Enumerable.Range(0, t).Select(i => i < c).ToArray();
        var latentMask = Enumerable.Range(0, config.LatentFrames).Select(i => i < config.CondLatentFrames).ToArray();
        scope.MoveToOuter(clip);
        return new ConditionedClip(clip, videoMask, latentMask);
    }

    // System.Random + Box-Muller: the same numbers on every device and libtorch build, for a given seed.
    private static Tensor SeededNoise(long[] shape, ConditionConfig config)
    {
        long n = shape.Aggregate(1L, (a, s) => a * s);
        var values = new float[n];
        var rng = new Random(unchecked((int)config.NoiseSeed ^ (int)(config.NoiseSeed >> 32)));
        for (long i = 0; i < n; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * config.NoiseStd;
            values[i] = (float)Math.Clamp(r * Math.Cos(2 * Math.PI * u2), -1, 1);
            if (i + 1 < n) values[i + 1] = (float)Math.Clamp(r * Math.Sin(2 * Math.PI * u2), -1, 1);
        }
        return tensor(values).reshape(shape);
    }
}
