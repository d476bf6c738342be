using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Data.Video;

/// <summary>Tests that run ffmpeg (and the one that hides it) share a collection so they never overlap.</summary>
[CollectionDefinition("ffmpeg", DisableParallelization = true)]
public sealed class FfmpegCollection;

[Collection("ffmpeg")]
public class FfmpegTests
{
    /// <summary>Writes a small H.264 test-pattern video of <paramref name="frames"/> frames.</summary>
    internal static void MakeTestVideo(string path, int frames, int width = 64, int height = 48)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=10", "-frames:v",
                                  frames.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p", path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [SampleDataFact("videos/cat.mp4", "videos/pillow.mp4")]
    public void ProbeAndDecodeOfARealSampleAgreeWithFfprobe()
    {
        // `ffprobe -count_frames -count_packets ... cat.mp4`: 368x480, 87 packets, 87 frames (data-manifests/sample-videos.json).
        string cat = RepoPaths.SharedData("videos", "cat.mp4");
        var probe = Ffmpeg.Probe(cat);
        Assert.Equal((368, 480, 87), (probe.Width, probe.Height, probe.Packets));
        var video = Ffmpeg.Decode(cat, 40, 32);
        Assert.Equal((87, 40, 32), (video.Frames, video.Height, video.Width));
        Assert.Equal(87 * 40 * 32 * 3, video.Rgb.Length);
        Assert.True(video.Rgb.Distinct().Count() > 100, "decoded frames should not be flat");
        // pillow.mp4 stores 149 packets of which 147 decode (ffprobe -count_frames agrees): the decoder's count is the truth.
        Assert.Equal(149, Ffmpeg.Probe(RepoPaths.SharedData("videos", "pillow.mp4")).Packets);
        Assert.Equal(147, Ffmpeg.Decode(RepoPaths.SharedData("videos", "pillow.mp4"), 16, 16).Frames);
    }

    [Fact]
    public void WorkingSizeKeepsAspectWithEvenSides()
    {
        Assert.Equal((80, 142), WorkingSize.Fit(480, 854, 80));
        Assert.Equal((104, 80), WorkingSize.Fit(480, 368, 80));
    }

    [Fact]
    public void CorruptEmptyTruncatedAndMissingVideosNameTheFile()
    {
        using var tmp = new TempDir();
        string garbage = tmp.File("garbage.mp4"), empty = tmp.File("empty.mp4"), truncated = tmp.File("truncated.mp4");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 5000).Select(i => (byte)(i * 37 % 251)).ToArray());
        File.WriteAllBytes(empty, Array.Empty<byte>());
        File.WriteAllBytes(truncated, File.ReadAllBytes(SynthVideos.Write(tmp.File("synth"), count: 1)[0]).AsSpan(0, 2000).ToArray());
        foreach (var bad in new[] { garbage, empty, truncated })
        {
            var e = Assert.Throws<InvalidDataException>(() => Ffmpeg.DecodeAtShortSide(bad, 32));
            Assert.Contains(bad, e.Message);
        }
        var missing = Assert.Throws<FileNotFoundException>(() => Ffmpeg.Probe(tmp.File("nope.mp4")));
        Assert.Contains("nope.mp4", missing.Message);
    }

    [Fact]
    public void MissingFfmpegSaysWhatToInstall()
    {
        using var tmp = new TempDir();
        string video = SynthVideos.Write(tmp.Path, count: 1)[0];
        Ffmpeg.ToolDirectory = "/nonexistent-magvitseg-tools";
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => Ffmpeg.Probe(video));
            Assert.Contains("apt-get install -y ffmpeg", e.Message);
            Assert.False(Ffmpeg.IsAvailable());
        }
        finally
        {
            Ffmpeg.ToolDirectory = null;
        }
        Assert.True(Ffmpeg.IsAvailable());
    }
}
