using MagvitSeg.Data.Synthetic;


namespace MagvitSeg.Tests.Data.Synthetic;

public class ProceduralClipsTests
{
    [Fact]
    public void BatchesAreDeterministicPerStepAndInRange()
    {
        var source = new ProceduralClips(4, 16, 16, seed: 5);
        using var a = source.Batch(3, 2);
        using var b = new ProceduralClips(4, 16, 16, seed: 5).Batch(3, 2);
        using var c = source.Batch(4, 2);
        Assert.Equal(new long[] { 2, 3, 4, 16, 16 }, a.shape);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
        Assert.True(a.min().item<float>() >= -1 && a.max().item<float>() <= 1);
        // Blobs move: consecutive frames differ.
        Assert.True((a[.., .., 0] - a[.., .., 3]).abs().max().item<float>() > 0.01);
    }
}
