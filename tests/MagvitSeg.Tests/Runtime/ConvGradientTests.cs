using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Runtime;

/// <summary>
/// Guards against libtorch's broken AVX-512 float32 convolution backward (see NativeSetup): the float32 input gradient
/// must agree with a float64 computation, repeatedly and with both threads.
/// </summary>
public class ConvGradientTests
{
    [Fact]
    public void Float32Conv3dInputGradientMatchesFloat64()
    {
        TorchRuntime.Seed(0);                                  // touching the library applies NativeSetup first
        var x = randn(new long[] { 2, 3, 4, 16, 16 });
        var conv = nn.Conv3d(3, 8, 3, padding: 1, bias: false);
        var x64 = x.to(float64).requires_grad_(true);
        nn.functional.conv3d(x64, conv.weight!.detach().to(float64), padding: new long[] { 1, 1, 1 }).square().mean().backward();
        for (int rep = 0; rep < 5; rep++)
        {
            var xi = x.detach().clone().requires_grad_(true);
            conv.forward(xi).square().mean().backward();
            double err = (xi.grad!.to(float64) - x64.grad!).abs().max().item<double>();
            Assert.True(err < 1e-6, $"repeat {rep}: float32 conv3d input gradient is off by {err} (reference max {x64.grad!.abs().max().item<double>()})");
        }
    }
}
