using MagvitSeg.Config;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary>Maps <c>--data</c> to a clip source factory (profile, seed) -> source.</summary>
internal static class ClipSources
{
    /// <summary>
    /// moving-shapes (default, embedded), videos:DIR (mp4/webm/avi/mkv/mov through ffmpeg), frames:DIR (folders of
    /// jpg/png frames, one per video), mixed (moving-shapes and the sample videos, 50/50), mixed:DIR (moving-shapes and the
    /// videos in DIR, 50/50: e.g. all but a few sample videos, the rest held out for evaluation), procedural (moving blobs).
    /// </summary>
    public static Func<VqvaeConfig, long, IClipSource> Open(string spec) => spec switch
    {
        "moving-shapes" => (v, seed) => Shapes(v, seed),
        "procedural" => (v, seed) => new ProceduralClips(v.Frames, v.Height, v.Width, seed),
        "mixed" => (v, seed) => Mixed(RepoPaths.SharedData("videos"), v, seed),
        _ when spec.StartsWith("mixed:", StringComparison.Ordinal) => (v, seed) => Mixed(spec["mixed:".Length..], v, seed),
        _ when spec.StartsWith("videos:", StringComparison.Ordinal) => (v, seed) => Videos(spec["videos:".Length..], v, seed),
        _ when spec.StartsWith("frames:", StringComparison.Ordinal) => (v, seed) => Frames(spec["frames:".Length..], v, seed),
        _ => throw new CliException(Problem(spec)!),
    };

    /// <summary>Why <paramref name="spec"/> is not a clip source, or null when it is one (the --data option's check).</summary>
    public static string? Problem(string spec) =>
        spec is "moving-shapes" or "procedural" or "mixed"
        || (new[] { "mixed:", "videos:", "frames:" }.FirstOrDefault(p => spec.StartsWith(p, StringComparison.Ordinal)) is { } prefix && spec.Length > prefix.Length)
            ? null
            : $"--data '{spec}' is not known: use moving-shapes, videos:DIR, frames:DIR, mixed, mixed:DIR or procedural.";

    /// <summary>Whether the source decodes real video (worth a background prefetch; generated clips are cheaper than the copy).</summary>
    public static bool DecodesVideo(string spec) =>
        spec == "mixed" || spec.StartsWith("mixed:", StringComparison.Ordinal) || spec.StartsWith("videos:", StringComparison.Ordinal) || spec.StartsWith("frames:", StringComparison.Ordinal);

    private static IClipSource Shapes(VqvaeConfig v, long seed) => TokenizerRun.ShapesSource(v, seed);

    private static IClipSource Mixed(string videoDir, VqvaeConfig v, long seed) =>
        new MixedSource(seed, (Shapes(v, seed), 0.5), (Videos(videoDir, v, seed), 0.5));

    private static ClipSampling Sampling(VqvaeConfig v, long seed) => new() { Frames = v.Frames, Height = v.Height, Width = v.Width, Seed = seed };

    private static IClipSource Videos(string dir, VqvaeConfig v, long seed)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--data: video folder '{dir}' does not exist");
        return Checked(new VideoClipSource(VideoClipSource.Find(dir), Sampling(v, seed)));
    }

    private static IClipSource Frames(string dir, VqvaeConfig v, long seed)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--data: frame folder '{dir}' does not exist");
        return Checked(new FrameFolderClipSource(dir, Sampling(v, seed)));
    }

    /// <summary>Decodes every video up front, so bad files are named before training starts rather than mid-run.</summary>
    private static DecodedClipSource Checked(DecodedClipSource src)
    {
        int usable = src.Preload();
        foreach (var s in src.Skipped) Console.WriteLine($"skipped {s.Item}: {s.Reason}");
        if (usable == 0) throw new InvalidDataException($"{src.Kind}: none of the {src.Items.Count} video(s) is usable (see above).");
        Console.WriteLine($"{src}: {usable} usable, {src.Skipped.Count} skipped");
        return src;
    }
}
