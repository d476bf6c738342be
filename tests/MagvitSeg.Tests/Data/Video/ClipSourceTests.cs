using MagvitSeg.Data.Images;
using MagvitSeg.Data;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Data.Video;

[Collection("ffmpeg")]
public class ClipSourceTests
{
    private static readonly ClipSampling Small = new() { Frames = 8, Height = 32, Width = 32, Stride = 2, Seed = 3 };

    [Fact]
    public void VideoClipsHaveTheLayoutRangeAndAreAFunctionOfTheStep()
    {
        using var tmp = new TempDir();
        var src = new VideoClipSource(SynthVideos.Write(tmp.Path, count: 3, frames: 32, size: 64), Small);
        using var a = src.Batch(5, 3);
        Assert.Equal(new long[] { 3, 3, 8, 32, 32 }, a.shape);
        var values = a.data<float>().ToArray();
        Assert.All(values, v => Assert.InRange(v, -1f, 1f));
        Assert.True(values.Distinct().Count() > 500, "decoded frames should not be flat");
        using var again = src.Batch(5, 3);
        Assert.Equal(values, again.data<float>().ToArray());
        using var other = src.Batch(6, 3);
        Assert.NotEqual(values, other.data<float>().ToArray());
        Assert.Empty(src.Skipped);
    }

    [Fact]
    public void ShortCorruptEmptyAndMissingVideosAreSkippedCountedAndNamed()
    {
        using var tmp = new TempDir();
        FfmpegTests.MakeTestVideo(tmp.File("good.mp4"), 20);
        FfmpegTests.MakeTestVideo(tmp.File("short.mp4"), 5);       // shorter than a clip: (8-1)*2+1 = 15 frames
        File.WriteAllBytes(tmp.File("corrupt.mp4"), Enumerable.Range(0, 4000).Select(i => (byte)(i * 31 % 253)).ToArray());
        File.WriteAllBytes(tmp.File("empty.mp4"), Array.Empty<byte>());
        var files = VideoClipSource.Find(tmp.Path).Append(tmp.File("missing.mp4")).ToList();
        var src = new VideoClipSource(files, Small);
        Assert.Equal(1, src.Preload());
        using (var batch = src.Batch(0, 4)) Assert.Equal(new long[] { 4, 3, 8, 32, 32 }, batch.shape);
        Assert.Equal(4, src.Skipped.Count);
        Assert.Contains(src.Skipped, s => s.Item.EndsWith("short.mp4") && s.Reason.Contains("5 frame(s)") && s.Reason.Contains("short.mp4"));
        foreach (var name in new[] { "corrupt.mp4", "empty.mp4", "missing.mp4" })
            Assert.Contains(src.Skipped, s => s.Item.EndsWith(name) && s.Reason.Contains(name));

        // Mid-run, without a preload: bad videos met by the draws are skipped and counted, the steps still get clips, and
        // the wrappers a training run uses (mixing, prefetch) pass the list on for the end-of-run report.
        var lazy = new VideoClipSource(files, Small with { Seed = 11 });
        using var prefetch = new PrefetchSource(new MixedSource(0, (lazy, 1.0)));
        for (int step = 0; step < 6; step++)
            using (var b = prefetch.Batch(step, 4)) Assert.Equal(new long[] { 4, 3, 8, 32, 32 }, b.shape);
        Assert.NotEmpty(prefetch.Skipped);
        Assert.All(prefetch.Skipped, s => Assert.DoesNotContain("good.mp4", s.Item));
        Assert.Equal(lazy.Skipped, prefetch.Skipped);
    }

    [Fact]
    public void NoUsableVideoIsAnErrorListingWhy()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("empty.mp4"), Array.Empty<byte>());
        var src = new VideoClipSource(new[] { tmp.File("empty.mp4") }, Small);
        var e = Assert.Throws<InvalidDataException>(() => src.Batch(0, 2).Dispose());
        Assert.Contains("empty.mp4", e.Message);
    }

    [Fact]
    public void FrameFoldersGiveClipsAndSkipBadFolders()
    {
        using var tmp = new TempDir();
        var gen = new MovingShapes(new MovingShapesConfig { Size = 40, Frames = 16, Seed = 1 });
        void Folder(string name, int clip, int frames)
        {
            var c = gen.Render(clip);
            Directory.CreateDirectory(tmp.File(name));
            for (int t = 0; t < frames; t++)
                File.WriteAllBytes(Path.Combine(tmp.File(name), $"{t:D3}.png"), ImageIo.EncodePng(c.Pixels, 40, 40, t * 1600, 16 * 1600));
        }
        Folder("a", 0, 16);
        Folder("b", 1, 16);
        Folder("short", 2, 6);
        Folder("truncated", 3, 16);
        string cut = Path.Combine(tmp.File("truncated"), "007.png");
        File.WriteAllBytes(cut, File.ReadAllBytes(cut)[..60]);
        Directory.CreateDirectory(tmp.File("no-frames"));                // not a video: ignored, not skipped
        var src = new FrameFolderClipSource(tmp.Path, Small);
        Assert.Equal(4, src.Items.Count);
        Assert.Equal(2, src.Preload());
        using var batch = src.Batch(2, 4);
        Assert.Equal(new long[] { 4, 3, 8, 32, 32 }, batch.shape);
        Assert.All(batch.data<float>().ToArray(), v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(2, src.Skipped.Count);
        Assert.Contains(src.Skipped, s => s.Item.EndsWith("short") && s.Reason.Contains("6 frame(s)"));
        Assert.Contains(src.Skipped, s => s.Item.EndsWith("truncated") && s.Reason.Contains("007.png"));
    }

    [Fact]
    public void FullCropWithoutFlipReproducesTheFrames()
    {
        // One folder of frames at the output size, crop scale 1 and no flip: the clip is the frames themselves.
        using var tmp = new TempDir();
        var gen = new MovingShapes(new MovingShapesConfig { Size = 32, Frames = 4, Seed = 2 });
        var c = gen.Render(0);
        for (int t = 0; t < 4; t++) File.WriteAllBytes(tmp.File($"{t}.png"), ImageIo.EncodePng(c.Pixels, 32, 32, t * 1024, 4 * 1024));
        var src = new FrameFolderClipSource(tmp.Path, new ClipSampling { Frames = 4, Height = 32, Width = 32, MinCropScale = 1, Flip = false, WorkingShortSide = 32 });
        using var batch = src.Batch(0, 1);
        var got = batch.data<float>().ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(ImageIo.ToByte(c.Pixels[i]), ImageIo.ToByte(got[i]));
    }
}
