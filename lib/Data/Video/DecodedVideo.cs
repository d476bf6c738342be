namespace MagvitSeg.Data.Video;

/// <summary>Frames decoded once at a working resolution: interleaved RGB bytes, layout [T, H, W, 3].</summary>
/// <param name="Path">The video file or frame folder (for messages).</param>
/// <param name="Frames">Frame count T.</param>
/// <param name="Height">Working height.</param>
/// <param name="Width">Working width.</param>
/// <param name="Rgb">Pixels, [T, H, W, 3].</param>
public sealed record DecodedVideo(string Path, int Frames, int Height, int Width, byte[] Rgb)
{
    /// <summary>Bytes per frame.</summary>
    public int FrameBytes => Height * Width * 3;
}

/// <summary>Working size for decoding: frames are scaled so the shorter side is a given length, keeping the aspect.</summary>
public static class WorkingSize
{
    /// <summary>(height, width) with the shorter side = <paramref name="shortSide"/>, both even (yuv420 wants even sizes).</summary>
    public static (int Height, int Width) Fit(int height, int width, int shortSide)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"Frame size {height}x{width} is not positive.");
        double s = (double)shortSide / Math.Min(height, width);
        return (Math.Max(2, (int)Math.Round(height * s / 2) * 2), Math.Max(2, (int)Math.Round(width * s / 2) * 2));
    }
}
