using MagvitSeg.Config;
using MagvitSeg.Masking;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Masking;

public class StillImageConditionerTests
{
    private static Tensor Image(long seed = 1)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { 3, 8, 6 }, generator: g) * 2 - 1;
    }

    [Fact]
    public void EdgePaddingCopiesTheImageToEveryFrame()
    {
        var img = Image();
        using var clip = StillImageConditioner.FromImage(img, ConditionConfig.Magvit);
        Assert.Equal(new long[] { 3, 16, 8, 6 }, clip.Video.shape);
        for (int t = 0; t < 16; t++) Assert.True(TensorCompare.Same(clip.Video.select(1, t), img), $"frame {t}");
        Assert.Equal(new[] { true }.Concat(Enumerable.Repeat(false, 15)), clip.VideoMask);
        Assert.Equal(new[] { true, false, false, false }, clip.LatentMask);
        Assert.Equal(new[] { 0 }, clip.CondLatentFrameIndices);
    }

    [Fact]
    public void EdgePaddingReplicatesTheLastConditionFrameOfAVideo()
    {
        // jnp.pad(video[:, :2], ((0,0),(0,6),...), mode="edge") on frames [a, b, ...] gives [a, b, b, b, b, b, b, b].
        var video = rand(new long[] { 2, 3, 5, 4, 4 });
        var cfg = new ConditionConfig(Frames: 8, CondFrames: 2, CondLatentFrames: 1);
        using var clip = StillImageConditioner.FromVideo(video, cfg);
        Assert.Equal(new long[] { 2, 3, 8, 4, 4 }, clip.Video.shape);
        Assert.True(TensorCompare.Same(clip.Video.select(2, 0), video.select(2, 0)));
        for (int t = 1; t < 8; t++) Assert.True(TensorCompare.Same(clip.Video.select(2, t), video.select(2, 1)), $"frame {t}");
        Assert.Equal(new[] { true, true, false, false, false, false, false, false }, clip.VideoMask);
        Assert.Equal(new[] { true, false }, clip.LatentMask);
    }

    [Fact]
    public void ZerosPaddingIsConstantZeroAfterTheImage()
    {
        var batch = stack(new[] { Image(1), Image(2) });
        using var clip = StillImageConditioner.FromImage(batch, ConditionConfig.Named("zeros"));
        Assert.Equal(new long[] { 2, 3, 16, 8, 6 }, clip.Video.shape);
        Assert.True(TensorCompare.Same(clip.Video.select(2, 0), batch));
        Assert.Equal(0f, clip.Video.narrow(2, 1, 15).abs().max().item<float>());
    }

    [Fact]
    public void NoisePaddingIsSeededAndInRange()
    {
        var img = Image();
        var cfg = ConditionConfig.Named("noise") with { NoiseStd = 0.3, NoiseSeed = 7 };
        using var a = StillImageConditioner.FromImage(img, cfg);
        using var b = StillImageConditioner.FromImage(img, cfg);
        using var c = StillImageConditioner.FromImage(img, cfg with { NoiseSeed = 8 });
        Assert.True(TensorCompare.Same(a.Video, b.Video));
        Assert.False(TensorCompare.Same(a.Video, c.Video));
        Assert.True(TensorCompare.Same(a.Video.select(1, 0), img));
        var noise = a.Video.narrow(1, 1, 15);
        Assert.True(noise.abs().max().item<float>() <= 1f);
        Assert.InRange(noise.mean().item<float>(), -0.02, 0.02);
        Assert.InRange(noise.square().mean().sqrt().item<float>(), 0.27, 0.33);      // std 0.3, barely clamped
    }

    [Fact]
    public void FirstFrameOnlyKeepsJustTheCondition()
    {
        var img = Image();
        using var clip = StillImageConditioner.FromImage(img, ConditionConfig.Named("first-frame"));
        Assert.Equal(new long[] { 3, 1, 8, 6 }, clip.Video.shape);
        Assert.True(TensorCompare.Same(clip.Video.select(1, 0), img));
        Assert.Equal(new[] { true }, clip.LatentMask);
    }

    [Fact]
    public void ShorterClipsHaveFewerLatentFrames()
    {
        using var clip = StillImageConditioner.FromImage(Image(), ConditionConfig.Named("t8"));
        Assert.Equal(8, clip.Video.shape[1]);
        Assert.Equal(new[] { true, false }, clip.LatentMask);
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => StillImageConditioner.FromImage(Image(), new ConditionConfig(Frames: 4, CondFrames: 4)));
        Assert.Throws<ArgumentException>(() => StillImageConditioner.FromImage(Image(), new ConditionConfig(CondLatentFrames: 5)));
        Assert.Throws<ArgumentException>(() => StillImageConditioner.FromImage(zeros(3, 4), ConditionConfig.Magvit));
        Assert.Throws<ArgumentException>(() => ConditionConfig.Named("mirror"));
    }
}
