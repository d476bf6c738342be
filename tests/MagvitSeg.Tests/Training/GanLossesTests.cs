using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Training;

public class GanLossesTests
{
    [Fact]
    public void NonSaturatingLossesAtZeroLogitsAreLog2()
    {
        using var zero = zeros(new long[] { 4, 1 });
        Assert.Equal(Math.Log(2), GanLosses.GeneratorNonSaturating(zero).item<float>(), 6);
        Assert.Equal(2 * Math.Log(2), GanLosses.DiscriminatorNonSaturating(zero, zero).item<float>(), 6);
        // logit 2 for real, -2 for fake: 2 * log(1 + e^-2)
        using var real = full(new long[] { 2, 1 }, 2f);
        using var fake = full(new long[] { 2, 1 }, -2f);
        Assert.Equal(2 * Math.Log(1 + Math.Exp(-2)), GanLosses.DiscriminatorNonSaturating(real, fake).item<float>(), 5);
    }

    [Fact]
    public void R1OfALinearCriticIsTheSquaredWeightNorm()
    {
        // D(x) = sum(a * x) per sample: dD/dx = a, so the penalty is ||a||² = 1 + 4 + 9 + 16 = 30 for every sample.
        using var a = tensor(new float[] { 1, 2, 3, 4 });
        using var x = rand(new long[] { 3, 4 }).requires_grad_(true);
        var logits = (x * a).sum(1, keepdim: true);
        Assert.Equal(30.0, GanLosses.R1Penalty(logits, x).item<float>(), 4);
    }

    [Fact]
    public void LecamPenalisesRealAboveEmaFakeAndFakeBelowEmaReal()
    {
        using var real = tensor(new float[] { 1f, -1f });
        using var fake = tensor(new float[] { 0f, 2f });
        using var emaReal = tensor(0.5f);
        using var emaFake = tensor(-0.5f);
        // relu(real - emaFake)² = [1.5², 0] -> mean 1.125; relu(emaReal - fake)² = [0.25, 0] -> mean 0.125
        Assert.Equal(1.25, GanLosses.Lecam(real, fake, emaReal, emaFake).item<float>(), 6);
    }
}
