using static TorchSharp.torch;

namespace MagvitSeg.Masking;

/// <summary>Which latents the head reads.</summary>
public enum LatentSource
{
    /// <summary>The encoder output before vector quantisation.</summary>
    PreQuant,
    /// <summary>The nearest codebook vectors.</summary>
    Quantised,
}

/// <summary>How a [B, C, T, H, W] feature becomes a 2D map.</summary>
public enum TemporalReduction
{
    /// <summary>The first (latent) frame: the one that corresponds to the condition image.</summary>
    FirstFrame,
    /// <summary>The mean over all (latent) frames.</summary>
    Mean,
}

/// <summary>
/// What the head sees: the latent source, the temporal reduction (applied the same way to every level), which
/// intermediate encoder levels (indices into the encoder's finest-first level list) join the pyramid, and whether the
/// image's own pixels, patchified to each map's grid, are appended to it (a probe: do the features add anything the
/// pixels do not carry?).
/// </summary>
/// <param name="Source">Pre-quantisation or quantised latents.</param>
/// <param name="Temporal">How a feature's time axis is reduced.</param>
/// <param name="Levels">Encoder levels joining the latent, finest-first indices; null = the latent alone.</param>
/// <param name="WithPixels">Append the still's pixels (space-to-depth to each map's grid) to every map's channels.</param>
public sealed record FeatureSelection(
    LatentSource Source = LatentSource.PreQuant,
    TemporalReduction Temporal = TemporalReduction.FirstFrame,
    int[]? Levels = null,
    bool WithPixels = false)
{
    /// <summary>The latent alone, pre-quantisation, first latent frame.</summary>
    public static FeatureSelection LatentOnly => new();

    /// <summary>
    /// Named selections: latent, quantised, pooled (mean over latent frames), pyramid (+ the 1/4 level, index 2 of the
    /// MAGVIT encoder's levels 1/1, 1/2, 1/4, 1/8), pyramid-full (+ 1/2 and 1/4), pyramid-pooled; any of them with
    /// "+pixels" appends the image's pixels to every map (e.g. pyramid-full+pixels).
    /// </summary>
    public static FeatureSelection Named(string name)
    {
        const string pixels = "+pixels";
        string n = name.Trim().ToLowerInvariant();
        bool withPixels = n.EndsWith(pixels, StringComparison.Ordinal);
        FeatureSelection selection = (withPixels ? n[..^pixels.Length] : n) switch
        {
            "latent" => LatentOnly,
            "quantised" or "quantized" => new(LatentSource.Quantised),
            "pooled" => new(Temporal: TemporalReduction.Mean),
            "pyramid" => new(Levels: new[] { 2 }),
            "pyramid-full" => new(Levels: new[] { 1, 2 }),
            "pyramid-pooled" => new(Temporal: TemporalReduction.Mean, Levels: new[] { 2 }),
            _ => throw new ArgumentException($"Unknown feature selection '{name}': use latent, quantised, pooled, pyramid, pyramid-full or pyramid-pooled, optionally followed by +pixels."),
        };
        return selection with { WithPixels = withPixels };
    }

    /// <summary>A short stable description, for cache keys and logs.</summary>
    public string Describe() =>
        $"{(Source == LatentSource.PreQuant ? "prequant" : "quantised")}-{(Temporal == TemporalReduction.FirstFrame ? "first" : "mean")}" +
        (Levels is { Length: > 0 } ? "-L" + string.Join("_", Levels) : "") + (WithPixels ? "+pixels" : "");
}

/// <summary>Picks and reduces encoder outputs into the head's list of 2D feature maps (finest first, coarsest last).</summary>
public static class FeatureSelector
{
    /// <param name="selection">What to take.</param>
    /// <param name="preQuant">Pre-quantisation latents [B, C, T', h, w].</param>
    /// <param name="quantised">Quantised latents [B, C, T', h, w]; required when the source is Quantised.</param>
    /// <param name="levels">The encoder's intermediate features [B, Ci, Ti, Hi, Wi], finest first; required when levels are selected.</param>
    /// <returns>Maps [B, Ci, Hi, Wi]: the selected levels from finest to coarsest, then the latent.</returns>
    public static List<Tensor> Select(FeatureSelection selection, Tensor preQuant, Tensor? quantised = null, IReadOnlyList<Tensor>? levels = null)
    {
        var latent = selection.Source == LatentSource.PreQuant
            ? preQuant
            : quantised ?? throw new ArgumentException("FeatureSelector: the selection reads the quantised latents but none were given.");
        var chosen = new List<Tensor>();
        foreach (int i in selection.Levels ?? Array.Empty<int>())
        {
            if (levels is null || i < 0 || i >= levels.Count)
                throw new ArgumentException($"FeatureSelector: level {i} was selected but {levels?.Count ?? 0} encoder levels were given (ask the encoder to keep its levels).");
            chosen.Add(Reduce(levels[i], selection.Temporal, $"level {i}"));
        }
        chosen.Sort((a, b) => b.shape[2].CompareTo(a.shape[2]));                         // finest first
        var top = Reduce(latent, selection.Temporal, "latent");
        if (chosen.Count > 0 && chosen[^1].shape[2] < top.shape[2])
            throw new ArgumentException($"FeatureSelector: a selected level ({chosen[^1].shape[2]} rows) is coarser than the latent ({top.shape[2]} rows).");
        chosen.Add(top);
        return chosen;
    }

    /// <summary>[B, C, T, H, W] -> [B, C, H, W] by the first frame or the mean over time.</summary>
    public static Tensor Reduce(Tensor feature, TemporalReduction how, string what = "feature")
    {
        if (feature.dim() != 5) throw new ArgumentException($"FeatureSelector: the {what} must be [B, C, T, H, W], got [{string.Join(", ", feature.shape)}].");
        return how == TemporalReduction.FirstFrame ? feature.select(2, 0) : feature.mean(new long[] { 2 });
    }
}
