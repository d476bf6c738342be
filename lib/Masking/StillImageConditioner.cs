using MagvitSeg.Config;
using static TorchSharp.torch;

namespace MagvitSeg.Masking;

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
