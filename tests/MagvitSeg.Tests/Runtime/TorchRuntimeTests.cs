using MagvitSeg.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Runtime;

[Collection(SerialCollection.Name)]
public class TorchRuntimeTests
{
    [Fact]
    public void Conv3dForwardAndBackwardRunOnThisMachine()
    {
        // Proves the native libraries load here (on Debian 12 only after the GLIBCXX patch in build/).
        TorchRuntime.Seed(1);
        using var scope = NewDisposeScope();
        var net = nn.Sequential(
            nn.Conv3d(3, 4, 3, padding: 1, bias: false), // a bias before GroupNorm is cancelled by it (zero gradient), as in MAGVIT
            MagvitSeg.Models.Layers.GroupNorm(2, 4),
            nn.SiLU(),
            nn.Conv3d(4, 2, 1));
        var x = randn(new long[] { 2, 3, 4, 8, 8 });          // [B, C, T, H, W]
        var y = net.forward(x);
        Assert.Equal(new long[] { 2, 2, 4, 8, 8 }, y.shape);
        var loss = y.square().mean();
        loss.backward();
        foreach (var p in net.parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"every parameter should receive a gradient ({string.Join("x", p.shape)})");
        }
    }

    [Fact]
    public void Conv3dMatchesAHandComputedValue()
    {
        // A 1x1x1-channel conv with an all-ones 3x3x3 kernel and zero padding sums the neighbourhood:
        // at a corner of an all-ones volume that is 2*2*2 = 8, in the middle 27.
        using var scope = NewDisposeScope();
        var conv = nn.Conv3d(1, 1, 3, padding: 1, bias: false);
        using (no_grad()) conv.weight!.fill_(1f);
        var y = conv.forward(ones(new long[] { 1, 1, 4, 4, 4 }));
        Assert.Equal(8f, y[0, 0, 0, 0, 0].item<float>());
        Assert.Equal(27f, y[0, 0, 1, 1, 1].item<float>());
    }

    [Fact]
    public void SeedMakesRandomNumbersRepeatable()
    {
        TorchRuntime.Seed(42);
        var a = randn(5).data<float>().ToArray();
        TorchRuntime.Seed(42);
        var b = randn(5).data<float>().ToArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void UnknownDeviceIsRejectedWithTheFix()
    {
        var ex = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("auto, cpu, cuda", ex.Message);
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
    }
}
