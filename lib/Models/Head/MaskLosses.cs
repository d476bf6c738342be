using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Point-level mask losses and pairwise matching costs (Mask2Former's sigmoid BCE and dice), with optional per-point
/// weights (0 for ignored points).
/// </summary>
public static class MaskLosses
{
    /// <summary>Sum over masks of the mean per-point BCE-with-logits, divided by <paramref name="numMasks"/>. logits, targets [M, P].</summary>
    public static Tensor SigmoidBce(Tensor logits, Tensor targets, double numMasks, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None); // [M, P]
        var perMask = weights is null ? bce.mean(new long[] { 1 }) : (bce * weights).sum(1) / weights.sum(1).clamp_min(1);
        return scope.MoveToOuter(perMask.sum() / numMasks);
    }

    /// <summary>Sum over masks of 1 - (2 |s t| + 1) / (|s| + |t| + 1) with s = sigmoid(logits), divided by <paramref name="numMasks"/>.</summary>
    public static Tensor Dice(Tensor logits, Tensor targets, double numMasks, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var s = logits.sigmoid();
        var t = targets;
        if (weights is not null) { s = s * weights; t = t * weights; }
        var dice = 1 - (2 * (s * t).sum(1) + 1) / (s.sum(1) + t.sum(1) + 1);               // [M]
        return scope.MoveToOuter(dice.sum() / numMasks);
    }

    /// <summary>
    /// Pairwise mean BCE: predictions [..., N, P] x targets [..., M, P] (shared points, weights [..., P]) -> [..., N, M];
    /// leading dimensions batch independent problems.
    /// </summary>
    public static Tensor PairwiseBce(Tensor logits, Tensor targets, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var w = (weights ?? ones(logits.shape[..^2].Append(logits.shape[^1]).ToArray(), logits.dtype, logits.device)).unsqueeze(-2); // [..., 1, P]
        var pos = nn.functional.softplus(-logits) * w;                                      // -log sigmoid(x): label 1
        var neg = nn.functional.softplus(logits) * w;                                       // -log(1 - sigmoid(x)): label 0
        var cost = pos.matmul(targets.transpose(-1, -2)) + neg.matmul((1 - targets).transpose(-1, -2)); // [..., N, M]
        return scope.MoveToOuter(cost / w.sum(-1, keepdim: true).clamp_min(1));
    }

    /// <summary>Pairwise dice loss: predictions [..., N, P] x targets [..., M, P] (weights [..., P]) -> [..., N, M].</summary>
    public static Tensor PairwiseDice(Tensor logits, Tensor targets, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        var s = logits.sigmoid();
        var t = targets;
        if (weights is not null) { var w = weights.unsqueeze(-2); s = s * w; t = t * w; }
        var num = 2 * s.matmul(t.transpose(-1, -2));                                        // [..., N, M]
        var den = s.sum(-1).unsqueeze(-1) + t.sum(-1).unsqueeze(-2);                        // [..., N, M]
        return scope.MoveToOuter(1 - (num + 1) / (den + 1));
    }
}
