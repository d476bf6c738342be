using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Video;
using MagvitSeg.Tests.Data;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Cli;

[Collection("ffmpeg")]
public class DataCommandTests
{
    [SampleDataFact("coco-tiny", "videos")]
    public void VerifyPassesOnTheSampleDataAndFailsOnABrokenCopy()
    {
        var ok = CliRunner.Run("data", "verify", "coco-tiny");
        Assert.True(ok.Code == 0, ok.Out + ok.Err);
        Assert.Contains("OK", ok.Out);
        using var tmp = new TempDir();
        foreach (var f in Directory.GetFiles(MagvitSeg.Runtime.RepoPaths.SharedData("videos"))) File.Copy(f, tmp.File(Path.GetFileName(f)));
        File.WriteAllBytes(tmp.File("teddy.mp4"), new byte[100]);
        var bad = CliRunner.Run("data", "verify", "sample-videos", "--root", tmp.Path);
        Assert.Equal(1, bad.Code);
        Assert.Contains("teddy.mp4", bad.Err);                                // problems go to stderr with the summary
        Assert.Contains("problem(s)", bad.Err);
    }

    [Fact]
    public void VerifyWithoutANameIsAUsageError() => Assert.Equal(2, CliRunner.Run("data", "verify").Code);

    [Theory]
    [InlineData("frames")]
    [InlineData("mp4")]
    public void SynthExportsVideosAndCocoStillsThatTheLoadersRead(string format)
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("data", "synth", "--out", tmp.Path, "--videos", "3", "--images", "6", "--val-images", "2", "--size", "32", "--frames", "8", "--format", format);
        Assert.True(r.Code == 0, r.Out + r.Err);
        var sampling = new ClipSampling { Frames = 8, Height = 32, Width = 32 };
        DecodedClipSource videos = format == "frames"
            ? new FrameFolderClipSource(Path.Combine(tmp.Path, "videos"), sampling)
            : new VideoClipSource(VideoClipSource.Find(Path.Combine(tmp.Path, "videos")), sampling);
        Assert.Equal(3, videos.Items.Count);
        Assert.Equal(3, videos.Preload());
        Assert.Equal(8, Directory.GetFiles(Path.Combine(tmp.Path, "masks", "000000"), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "masks", "000000", "objects.json")));
        var train = CocoImageSet.Load(Path.Combine(tmp.Path, "stills", "annotations", "instances_train.json"), Path.Combine(tmp.Path, "stills", "train"), 32);
        var val = CocoImageSet.Load(Path.Combine(tmp.Path, "stills", "annotations", "instances_val.json"), Path.Combine(tmp.Path, "stills", "val"), 32);
        Assert.Equal((6, 2), (train.Count, val.Count));
        Assert.Equal(8, train.NumClasses);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "moving-shapes.json")));
    }
}
