using static TorchSharp.torch;

namespace MagvitSeg.Models;

/// <summary>Weights of the matching cost (Mask2Former: class 2, mask BCE 5, dice 5).</summary>
public sealed record MatcherWeights(double Class = 2, double Mask = 5, double Dice = 5);

/// <summary>
/// Per-image bipartite matching of queries to ground-truth instances on
/// cost = w_cls * (-p(class)) + w_ce * BCE(mask) + w_dice * dice(mask), the mask terms over shared sampled points.
/// </summary>
public static class HungarianMatcher
{
    /// <summary>The cost matrix [N queries, M targets] in double precision.</summary>
    /// <param name="classLogits">[N, K+1].</param>
    /// <param name="maskLogits">[N, Hm, Wm].</param>
    /// <param name="target">The image's instances (M may be 0).</param>
    /// <param name="points">[P, 2] normalised (x, y) points shared by predictions and targets.</param>
    /// <param name="weights">Cost weights.</param>
    public static double[,] CostMatrix(Tensor classLogits, Tensor maskLogits, InstanceTarget target, Tensor points, MatcherWeights weights)
    {
        long n = classLogits.shape[0], m = target.Count;
        if (m == 0) return new double[n, 0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prob = classLogits.softmax(-1);                                                  // [N, K+1]
        var costClass = -prob.index_select(1, target.Classes);                               // [N, M]
        var pred = PointSampler.Sample(maskLogits, points);                                  // [N, P]
        var tgt = PointSampler.Sample(target.Masks.to(float32), points);                     // [M, P]
        var w = target.Ignore is null ? null : (1 - PointSampler.Sample(target.Ignore.to(float32).unsqueeze(0), points)[0] >= 0.5).to(float32); // [P]
        var cost = weights.Class * costClass + weights.Mask * MaskLosses.PairwiseBce(pred, tgt, w) + weights.Dice * MaskLosses.PairwiseDice(pred, tgt, w);
        var host = cost.to(float64).cpu().contiguous().data<double>().ToArray();
        var result = new double[n, m];
        Buffer.BlockCopy(host, 0, result, 0, host.Length * sizeof(double));
        return result;
    }

    /// <summary>(query, target) pairs of the minimum-cost matching for one image, sorted by query.</summary>
    public static (int Query, int Target)[] MatchImage(Tensor classLogits, Tensor maskLogits, InstanceTarget target, Tensor points, MatcherWeights weights) =>
        LinearAssignment.Solve(CostMatrix(classLogits, maskLogits, target, points, weights));
}
