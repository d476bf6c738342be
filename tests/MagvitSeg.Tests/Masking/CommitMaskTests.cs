using MagvitSeg.Masking;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Masking;

public class CommitMaskTests
{
    // One sample, T = 2 latent frames of 1 x 2 tokens: frame 0 = [10, 11] (condition), frame 1 = [12, 13].
    private static readonly Tensor Inputs = tensor(new long[] { 10, 11, 12, 13 }).reshape(1, 2, 1, 2);
    private static readonly Tensor CondInputs = tensor(new long[] { 20, 21, 22, 23 }).reshape(1, 2, 1, 2);
    private static readonly Tensor CondMask = CommitMask.LatentConditionMask(new[] { true, false }, 1);
    private static readonly Tensor Score = tensor(new double[] { 0.1, 0.9, 0.3, 0.2 }).reshape(1, 2, 1, 2);

    private static long[] L(Tensor t) => t.flatten().data<long>().ToArray();
    private static float[] F(Tensor t) => t.flatten().data<float>().ToArray();

    [Fact]
    public void CommitPutsConditionReplicasInTheConditionRegionAndMaskElsewhere()
    {
        // ratio 0.5 of 4 maskable -> 2 masked: the scores 0.1 (condition region) and 0.2 (frame 1).
        using var r = CommitMask.Apply(Inputs, new[] { 0.5 }, ConditionMode.CondToInput, CondInputs, CondMask, Score);
        Assert.Equal(new long[] { 20, 11, 12, -1 }, L(r.MaskedInputs));
        Assert.Equal(new long[] { -1, 11, 12, -1 }, L(r.UncondMaskedInputs));
        Assert.Equal(new long[] { 1, 0, 0, 0 }, L(r.SegmentIds));
        Assert.Equal(new long[] { 10, 11, 12, 13 }, L(r.Targets));
        Assert.Equal(new float[] { 1, 1, 1, 1 }, F(r.Weights));
    }

    [Fact]
    public void InputToInputNeverMasksTheCondition()
    {
        // 2 maskable tokens (frame 1), floor(2 * 0.5) = 1 masked: the lowest score outside the condition (0.2).
        using var r = CommitMask.Apply(Inputs, new[] { 0.5 }, ConditionMode.InputToInput, null, CondMask, Score);
        Assert.Equal(new long[] { 10, 11, 12, -1 }, L(r.MaskedInputs));
        Assert.Equal(new float[] { 0, 0, 1, 1 }, F(r.Weights));
    }

    [Fact]
    public void CondToCondHoldsConditionTokensInTheRegion()
    {
        using var r = CommitMask.Apply(Inputs, new[] { 1.0 }, ConditionMode.CondToCond, CondInputs, CondMask, Score);
        Assert.Equal(new long[] { 20, 21, -1, -1 }, L(r.MaskedInputs));
        Assert.Equal(new long[] { 20, 21, 12, 13 }, L(r.Targets));
    }

    [Fact]
    public void NoConditionMasksLowestScoresAndMaskRefineWeightsOnlyThem()
    {
        using var r = CommitMask.Apply(Inputs, new[] { 0.75 }, ConditionMode.None, maskScore: Score, weightMode: MaskWeightMode.MaskRefine);
        Assert.Equal(new long[] { -1, 11, -1, -1 }, L(r.MaskedInputs));
        Assert.Equal(new float[] { 1, 0, 1, 1 }, F(r.Weights));
    }

    [Fact]
    public void TiesAtTheCutOffAreAllMasked()
    {
        var tied = tensor(new double[] { 0.5, 0.5, 0.5, 0.9 }).reshape(1, 2, 1, 2);
        using var r = CommitMask.Apply(Inputs, new[] { 0.25 }, ConditionMode.None, maskScore: tied);
        Assert.Equal(new long[] { -1, -1, -1, 13 }, L(r.MaskedInputs));
    }

    [Fact]
    public void RandomScoresFollowTheCosineScheduleCount()
    {
        var inputs = arange(2 * 4 * 8 * 8, dtype: int64).reshape(2, 4, 8, 8);
        double ratio = MaskSchedule.Ratio(0.5, 256);                                          // 0.7071
        using var g = new Generator(3);
        using var r = CommitMask.Apply(inputs, new[] { ratio, ratio }, ConditionMode.None, generator: g);
        var perSample = r.ShouldMask.reshape(2, -1).sum(1).data<long>().ToArray();
        Assert.Equal(new long[] { 181, 181 }, perSample);                                    // floor(256 * 0.7071)
    }

    [Fact]
    public void MissingConditionInputsAreRejected() =>
        Assert.Throws<ArgumentException>(() => CommitMask.Apply(Inputs, new[] { 0.5 }, ConditionMode.CondToInput, condMask: CondMask));
}
