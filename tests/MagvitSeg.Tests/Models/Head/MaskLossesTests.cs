using MagvitSeg.Models.Head;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Head;

/// <summary>
/// Reference numbers by hand (python math): logits [2, -1, 0, 3] against a 2x2 target [[1, 0], [1, 0]]:
/// BCE = (log(1+e^-2) + log(1+e^-1) + log 2 + log(1+e^3)) / 4 = 1.0454810576737206;
/// dice = 1 - (2 (s0 + s2) + 1) / (sum s + 2 + 1) with s = sigmoid(logits) = 0.32856404007443696.
/// </summary>
public class MaskLossesTests
{
    private const double Bce = 1.0454810576737206, DiceValue = 0.32856404007443696;
    private static readonly Tensor Logits = tensor(new float[] { 2, -1, 0, 3 }).reshape(1, 4);
    private static readonly Tensor Targets = tensor(new float[] { 1, 0, 1, 0 }).reshape(1, 4);

    [Fact]
    public void BceAndDiceByHand()
    {
        Assert.Equal(Bce, MaskLosses.SigmoidBce(Logits, Targets, 1).item<float>(), 5);
        Assert.Equal(DiceValue, MaskLosses.Dice(Logits, Targets, 1).item<float>(), 5);
        Assert.Equal(Bce / 2, MaskLosses.SigmoidBce(Logits, Targets, 2).item<float>(), 5);   // normalised by the mask count
    }

    [Fact]
    public void PairwiseCostsAgreeWithThePerMaskLosses()
    {
        Assert.Equal(Bce, MaskLosses.PairwiseBce(Logits, Targets).item<float>(), 5);
        Assert.Equal(DiceValue, MaskLosses.PairwiseDice(Logits, Targets).item<float>(), 5);
    }

    [Fact]
    public void ZeroWeightPointsAreIgnored()
    {
        // Ignoring the last point leaves BCE = (log(1+e^-2) + log(1+e^-1) + log 2) / 3.
        var w = tensor(new float[] { 1, 1, 1, 0 }).reshape(1, 4);
        double expected = (Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(-1)) + Math.Log(2)) / 3;
        Assert.Equal(expected, MaskLosses.SigmoidBce(Logits, Targets, 1, w).item<float>(), 5);
    }

    [Fact]
    public void PointSampleIsBilinearWithAlignCornersFalse()
    {
        // PyTorch 1.13 grid_sample(align_corners=False) on [[1, 2], [3, 4]] at these (x, y): 1, 2.5, 1.5, 0.25, 1, 4.
        var map = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 2, 2);
        var pts = tensor(new float[] { 0.25f, 0.25f, 0.5f, 0.5f, 0.5f, 0.25f, 0, 0, 1, 1, 0.75f, 0.75f }).reshape(6, 2);
        var s = PointSampler.Sample(map, pts).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 2.5f, 1.5f, 0.25f, 1f, 4f }, s.Select(v => MathF.Round(v, 5)));
        var centres = PointSampler.Sample(map, PointSampler.PixelCentres(2, 2)).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, centres);
    }
}
