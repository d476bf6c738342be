namespace MagvitSeg.Config;

/// <summary>
/// Loss settings (Mask2Former's): class cross-entropy 2 with "no object" weight 0.1, mask BCE 5, dice 5, on
/// <see cref="Points"/> uniformly sampled points per mask (0: every pixel centre of the mask-logit grid), with the
/// same losses after every decoder layer when <see cref="AuxLoss"/>.
/// </summary>
/// <param name="ClassWeight">Weight of the class cross-entropy. <value>The default value is 2.</value></param>
/// <param name="MaskWeight">Weight of the mask BCE. <value>The default value is 5.</value></param>
/// <param name="DiceWeight">Weight of the dice loss. <value>The default value is 5.</value></param>
/// <param name="NoObjectWeight">Cross-entropy weight of the "no object" class. <value>The default value is 0.1.</value></param>
/// <param name="Points">Points sampled per mask (0: every pixel centre of the mask-logit grid). <value>The default value is 256.</value></param>
/// <param name="AuxLoss">The same losses after every decoder layer. <value>The default value is true.</value></param>
/// <param name="Matcher">The matching-cost weights. <value>The default value is null (class 2, mask 5, dice 5).</value></param>
public sealed record MaskLossConfig(
    double ClassWeight = 2,
    double MaskWeight = 5,
    double DiceWeight = 5,
    double NoObjectWeight = 0.1,
    int Points = 256,
    bool AuxLoss = true,
    MatcherWeights? Matcher = null)
{
    /// <summary>The matching-cost weights (defaults to class 2, mask 5, dice 5).</summary>
    public MatcherWeights MatcherWeights => Matcher ?? new MatcherWeights();
}

/// <summary>Weights of the matching cost (Mask2Former: class 2, mask BCE 5, dice 5).</summary>
/// <param name="Class">Weight of -p(class). <value>The default value is 2.</value></param>
/// <param name="Mask">Weight of the mask BCE. <value>The default value is 5.</value></param>
/// <param name="Dice">Weight of the dice cost. <value>The default value is 5.</value></param>
public sealed record MatcherWeights(double Class = 2, double Mask = 5, double Dice = 5);
