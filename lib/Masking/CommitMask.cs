using static TorchSharp.torch;

namespace MagvitSeg.Masking;

/// <summary>How condition tokens enter the masked sequence (MAGVIT <c>random_mask</c>'s <c>condition_mode</c>).</summary>
public enum ConditionMode
{
    /// <summary>No condition tokens.</summary>
    None,
    /// <summary>COMMIT (MAGVIT's default for frame prediction): masked positions inside the condition region take the
    /// condition token (a "condition-token replica", segment id 1); masked positions outside take [MASK].</summary>
    CondToInput,
    /// <summary>The condition region is never masked (its tokens are the input tokens).</summary>
    InputToInput,
    /// <summary>The condition region is never masked and holds the condition tokens.</summary>
    CondToCond,
}

/// <summary>Which positions carry the token loss (MAGVIT <c>weight_mode</c>).</summary>
public enum MaskWeightMode
{
    /// <summary>Every maskable token ("mask+refine+recons", the default).</summary>
    MaskRefineRecons,
    /// <summary>Only the masked positions ("mask+refine").</summary>
    MaskRefine,
}

/// <summary>The masked token sequence and its bookkeeping, all [B, T, h, w].</summary>
/// <param name="MaskedInputs">Input tokens, [MASK] (-1) or condition-token replicas at masked positions.</param>
/// <param name="UncondMaskedInputs">The same with [MASK] at every masked position (classifier-free guidance).</param>
/// <param name="SegmentIds">1 where a condition-token replica was placed (CondToInput), else 0.</param>
/// <param name="Targets">The tokens to predict.</param>
/// <param name="Weights">Loss weight per token (float32).</param>
/// <param name="ShouldMask">True at masked positions.</param>
public sealed record CommitMaskResult(Tensor MaskedInputs, Tensor UncondMaskedInputs, Tensor SegmentIds, Tensor Targets, Tensor Weights, Tensor ShouldMask) : IDisposable
{
    public void Dispose()
    {
        MaskedInputs.Dispose(); UncondMaskedInputs.Dispose(); SegmentIds.Dispose(); Targets.Dispose(); Weights.Dispose(); ShouldMask.Dispose();
    }
}

/// <summary>
/// MAGVIT's COMMIT token mask (<c>mask_utils.random_mask</c>): a mask score per token (uniform unless given), the
/// <c>num_masked</c> lowest scores among maskable tokens are masked (ties at the cut-off are masked too, as in the
/// original), and masked positions are replaced according to the <see cref="ConditionMode"/>.
/// </summary>
public static class CommitMask
{
    /// <summary>The [MASK] token id.</summary>
    public const long MaskToken = -1;

    /// <param name="inputs">Tokens [B, T, h, w] (int64).</param>
    /// <param name="maskRatio">Per-sample fraction of maskable tokens to mask (usually from <see cref="MaskSchedule.Ratio"/>).</param>
    /// <param name="mode">Condition handling.</param>
    /// <param name="condInputs">Condition tokens, broadcastable to the inputs (needed by CondToInput and CondToCond).</param>
    /// <param name="condMask">Condition region, bool, broadcastable to the inputs (e.g. [B, T, 1, 1] from the latent mask).</param>
    /// <param name="maskScore">Scores [B, T, h, w]; lower is masked first. Null draws uniform scores from <paramref name="generator"/>.</param>
    /// <param name="generator">Seeded generator for the scores (null: torch's global generator).</param>
    /// <param name="weightMode">Which positions carry the loss.</param>
    public static CommitMaskResult Apply(Tensor inputs, double[] maskRatio, ConditionMode mode = ConditionMode.CondToInput,
        Tensor? condInputs = null, Tensor? condMask = null, Tensor? maskScore = null, Generator? generator = null,
        MaskWeightMode weightMode = MaskWeightMode.MaskRefineRecons)
    {
        if (inputs.dim() != 4) throw new ArgumentException($"CommitMask: inputs must be [B, T, h, w], got [{string.Join(", ", inputs.shape)}].");
        long b = inputs.shape[0];
        if (maskRatio.Length != b) throw new ArgumentException($"CommitMask: {maskRatio.Length} mask ratios for a batch of {b}.");
        bool needsCondTokens = mode is ConditionMode.CondToInput or ConditionMode.CondToCond;
        if (needsCondTokens && condInputs is null) throw new ArgumentException($"CommitMask: mode {mode} needs the condition tokens (condInputs).");
        if (mode != ConditionMode.None && condMask is null) throw new ArgumentException($"CommitMask: mode {mode} needs the condition region (condMask).");

        using var scope = NewDisposeScope();
        var score = (maskScore ?? rand(inputs.shape, dtype: float64, device: inputs.device, generator: generator)).to(float64); // [B, T, h, w]
        var cmask = condMask is null ? zeros_like(inputs, dtype: @bool) : condMask.to(@bool).expand_as(inputs);            // [B, T, h, w]
        var cinputs = condInputs is null ? inputs : condInputs.expand_as(inputs);
        var tokens = inputs;
        long perSample = inputs.shape[1] * inputs.shape[2] * inputs.shape[3];
        var numMaskable = Enumerable.Repeat(perSample, (int)b).ToArray();
        bool fixedCondition = mode is ConditionMode.InputToInput or ConditionMode.CondToCond;
        if (fixedCondition)
        {
            score = where(cmask, full_like(score, double.PositiveInfinity), score);
            var counts = (~cmask).reshape(b, -1).sum(1).cpu().data<long>().ToArray();
            numMaskable = counts;
            if (mode == ConditionMode.CondToCond) tokens = where(cmask, cinputs, inputs);
        }

        var sorted = score.reshape(b, -1).sort(-1).Values;                                  // [B, T*h*w]
        var cut = new double[b];
        var sortedHost = sorted.cpu().data<double>().ToArray();
        for (int i = 0; i < b; i++)
        {
            long k = MaskSchedule.NumMasked(numMaskable[i], maskRatio[i]);
            cut[i] = k == 0 ? double.NegativeInfinity : sortedHost[i * perSample + k - 1];
        }
        var cutoff = tensor(cut, dtype: float64, device: inputs.device).reshape(b, 1, 1, 1);
        var shouldMask = score <= cutoff;                                                    // [B, T, h, w]

        var maskTok = full_like(inputs, MaskToken);
        var replace = mode == ConditionMode.CondToInput ? where(cmask, cinputs, maskTok) : maskTok;
        var masked = where(shouldMask, replace, tokens);
        var uncond = where(shouldMask, maskTok, tokens);
        var segments = mode == ConditionMode.CondToInput ? (cmask & shouldMask).to(int64) : zeros_like(inputs);
        var weights = weightMode == MaskWeightMode.MaskRefine
            ? shouldMask.to(float32)
            : fixedCondition ? (~cmask).to(float32) : ones_like(inputs, dtype: float32);
        var result = new CommitMaskResult(masked, uncond, segments, tokens.clone(), weights, shouldMask);
        scope.MoveToOuter(masked, uncond, segments, result.Targets, weights, shouldMask);
        return result;
    }

    /// <summary>The condition region [B, T', 1, 1] (bool) from a per-latent-frame mask, as <c>cond_latent_mask</c>.</summary>
    public static Tensor LatentConditionMask(bool[] latentMask, long batch, Device? device = null) =>
        tensor(latentMask, device: device).reshape(1, latentMask.Length, 1, 1).expand(batch, -1, -1, -1).contiguous();
}
