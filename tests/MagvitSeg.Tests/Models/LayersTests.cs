using MagvitSeg.Models;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models;

public class LayersTests
{
    [Fact]
    public void GroupNormStartsAsTheIdentityAffine()
    {
        var gn = Layers.GroupNorm(2, 4);
        Assert.All(gn.weight!.data<float>().ToArray(), v => Assert.Equal(1f, v));
        Assert.All(gn.bias!.data<float>().ToArray(), v => Assert.Equal(0f, v));
        // Each group of 2 channels x 3 positions is normalised: hand-check one group's mean and variance.
        var x = arange(24, dtype: float32).reshape(1, 4, 6);
        var y = gn.forward(x);
        var g0 = y[0, TensorIndex.Slice(0, 2)];
        Assert.Equal(0.0, g0.mean().item<float>(), 5);
        Assert.Equal(1.0, g0.square().mean().item<float>(), 3); // population variance (mean is 0)
    }

    [Theory]
    [InlineData(64, 32)]
    [InlineData(48, 24)]
    [InlineData(8, 8)]
    [InlineData(3, 3)]
    public void GroupsDivideTheChannels(long channels, long expected) => Assert.Equal(expected, Layers.Groups(channels));
}
