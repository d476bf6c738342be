namespace MagvitSeg.Data.Video;

/// <summary>
/// How training clips are cut from decoded videos: T frames every <see cref="Stride"/> frames from a random start, a
/// random crop covering <see cref="MinCropScale"/>..1 of the largest crop with the output aspect, a random horizontal
/// flip, resized to H x W, values in [-1, 1], layout [3, T, H, W].
/// </summary>
public sealed record ClipSampling
{
    /// <summary>Frames per clip T. The default value is 16.</summary>
    public int Frames { get; init; } = 16;
    /// <summary>Output height. The default value is 64.</summary>
    public int Height { get; init; } = 64;
    /// <summary>Output width. The default value is 64.</summary>
    public int Width { get; init; } = 64;
    /// <summary>Distance between sampled frames; a video must hold (T-1)*Stride+1 frames. The default value is 1.</summary>
    public int Stride { get; init; } = 1;
    /// <summary>Smallest crop side as a fraction of the largest crop that fits (1 = always the full frame). The default value is 0.6.</summary>
    public double MinCropScale { get; init; } = 0.6;
    /// <summary>Flip half the clips left-right. The default value is true.</summary>
    public bool Flip { get; init; } = true;
    /// <summary>Shorter side of the cached decoded frames; 0 = 1.25 x max(H, W), enough for the crops to stay sharp.</summary>
    public int WorkingShortSide { get; init; }
    /// <summary>The source seed: clip d of the stream is a pure function of (seed, d). The default value is 0.</summary>
    public long Seed { get; init; }

    /// <summary>Frames a video needs for one clip.</summary>
    public int Span => (Frames - 1) * Stride + 1;

    /// <summary>The working short side actually used.</summary>
    public int EffectiveWorkingShortSide => WorkingShortSide > 0 ? WorkingShortSide : (int)Math.Ceiling(1.25 * Math.Max(Height, Width));

    /// <summary>Throws on impossible settings.</summary>
    public void Validate()
    {
        if (Frames < 1 || Height < 2 || Width < 2) throw new ArgumentException($"Clip size {Frames}x{Height}x{Width} is invalid.");
        if (Stride < 1) throw new ArgumentException($"Stride must be >= 1, got {Stride}.");
        if (MinCropScale <= 0 || MinCropScale > 1) throw new ArgumentException($"MinCropScale must be in (0, 1], got {MinCropScale}.");
    }
}
