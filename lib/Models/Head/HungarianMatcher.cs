using MagvitSeg.Config;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Bipartite matching of queries to ground-truth instances on
/// cost = w_cls * (-p(class)) + w_ce * BCE(mask) + w_dice * dice(mask), the mask terms over shared sampled points.
/// </summary>
public static class HungarianMatcher
{
    /// <summary>
    /// Matching costs of G independent problems (images, or images x decoder layers) at once -> [G, N, M], on the
    /// inputs' device. Targets are padded to a common M; a caller reads only each problem's own first columns.
    /// </summary>
    /// <param name="classLogits">[G, N, K+1].</param>
    /// <param name="predPoints">Mask logits at the problem's points, [G, N, P].</param>
    /// <param name="targetClasses">[G, M] int64 (any valid id in padding columns).</param>
    /// <param name="targetPoints">Target masks at the same points, [G, M, P].</param>
    /// <param name="pointWeights">[G, P] (0 for ignored points), or null.</param>
    /// <param name="weights">Cost weights.</param>
    public static Tensor Costs(Tensor classLogits, Tensor predPoints, Tensor targetClasses, Tensor targetPoints, Tensor? pointWeights, MatcherWeights weights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = classLogits.shape[1];
        var prob = classLogits.softmax(-1);                                                  // [G, N, K+1]
        var costClass = -prob.gather(2, targetClasses.unsqueeze(1).expand(-1, n, -1));      // [G, N, M]
        var cost = weights.Class * costClass
                   + weights.Mask * MaskLosses.PairwiseBce(predPoints, targetPoints, pointWeights)
                   + weights.Dice * MaskLosses.PairwiseDice(predPoints, targetPoints, pointWeights);
        return scope.MoveToOuter(cost);
    }

    /// <summary>The cost matrix [N queries, M targets] of one image, in double precision.</summary>
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
        var pts = points.unsqueeze(0);                                                       // [1, P, 2]
        var pred = PointSampler.SampleChannels(maskLogits.unsqueeze(0), pts);               // [1, N, P]
        var tgt = PointSampler.SampleChannels(target.Masks.to(float32).unsqueeze(0), pts);  // [1, M, P]
        var w = target.Ignore is null ? null : PointSampler.KeptWeights(PointSampler.SampleChannels(target.Ignore.to(float32).unsqueeze(0).unsqueeze(0), pts)[0]); // [1, P]
        var cost = Costs(classLogits.unsqueeze(0), pred, target.Classes.unsqueeze(0), tgt, w, weights)[0];
        var host = cost.to(float64).cpu().contiguous().data<double>().ToArray();
        var result = new double[n, m];
        Buffer.BlockCopy(host, 0, result, 0, host.Length * sizeof(double));
        return result;
    }
}
