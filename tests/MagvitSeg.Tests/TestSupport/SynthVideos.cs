using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>
/// Real H.264 mp4 files made at test time from MovingShapes with ffmpeg (what `magvitseg data synth --format mp4` writes),
/// for tests that need videos: the repository carries no third-party video.
/// </summary>
public static class SynthVideos
{
    /// <summary>Writes <paramref name="count"/> MovingShapes mp4s of <paramref name="frames"/> frames into
    /// <paramref name="outDir"/>/videos and returns their paths in order.</summary>
    public static IReadOnlyList<string> Write(string outDir, int count = 2, int frames = 24, int size = 48, int seed = 0)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames, Seed = seed });
        string dir = MovingShapesVideos.Export(gen, outDir, count, VideoExportFormat.Mp4);
        return Directory.GetFiles(dir, "*.mp4").OrderBy(f => f, StringComparer.Ordinal).ToList();
    }
}
