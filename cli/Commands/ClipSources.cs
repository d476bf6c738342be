using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary>Maps <c>--data</c> to a clip source factory (profile, seed) -> source.</summary>
internal static class ClipSources
{
    /// <summary>moving-shapes (default, embedded), videos:DIR (mp4/webm/avi through ffmpeg), mixed (both, 50/50, the sample videos), procedural (moving blobs).</summary>
    public static Func<VqvaeConfig, long, IClipSource> Open(string spec) => spec switch
    {
        "moving-shapes" => (v, seed) => Shapes(v, seed),
        "procedural" => (v, seed) => new ProceduralClips(v.Frames, v.Height, v.Width, seed),
        "mixed" => (v, seed) => new MixedSource(seed, (Shapes(v, seed), 0.5), (Videos(RepoPaths.SharedData("videos"), v, seed), 0.5)),
        _ when spec.StartsWith("videos:", StringComparison.Ordinal) => (v, seed) => Videos(spec["videos:".Length..], v, seed),
        _ => throw new CliException($"--data '{spec}' is not known: use moving-shapes, videos:DIR, mixed or procedural."),
    };

    private static IClipSource Shapes(VqvaeConfig v, long seed) =>
        new MovingShapesSource(new MovingShapes(new MovingShapesConfig { Size = v.Height, Frames = v.Frames, Seed = seed }));

    private static IClipSource Videos(string dir, VqvaeConfig v, long seed)
    {
        if (!Directory.Exists(dir)) throw new CliException($"video folder '{dir}' does not exist");
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".mp4") || f.EndsWith(".webm") || f.EndsWith(".avi")).OrderBy(f => f).ToList();
        var src = new VideoClipSource(files, v.Frames, v.Height, stride: 1, seed: seed);
        foreach (var (path, reason) in src.Skipped) Console.WriteLine($"skipped {path}: {reason}");
        return src;
    }
}
