namespace MagvitSeg.Data.Video;

/// <summary>Training clips from video files (mp4, webm, avi, mkv, mov) decoded through the ffmpeg command line.</summary>
public sealed class VideoClipSource(IReadOnlyList<string> files, ClipSampling config, long maxCacheBytes = 2L << 30)
    : DecodedClipSource("videos", files, config, maxCacheBytes)
{
    /// <summary>Extensions treated as video files.</summary>
    public static readonly string[] Extensions = { ".mp4", ".webm", ".avi", ".mkv", ".mov" };

    /// <summary>Video files directly in <paramref name="dir"/>, sorted by name for a stable draw order.</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    public static IReadOnlyList<string> Find(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Video folder '{dir}' does not exist.");
        return Directory.EnumerateFiles(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc/>
    protected override DecodedVideo DecodeItem(string item, int shortSide) => Ffmpeg.DecodeAtShortSide(item, shortSide);

    /// <inheritdoc/>
    public override string ToString() => $"videos({Items.Count} files, {Config.Frames}x{Config.Height}x{Config.Width}, stride {Config.Stride})";
}
