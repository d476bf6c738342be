namespace MagvitSeg.Training;

/// <summary>Names of the per-step scalars, in the order of the trainer's stacked scalar vector and of metrics.csv.</summary>
public static class StepLosses
{
    /// <summary>
    /// Loss terms and statistics, each already weighted as it enters the total; "usage" counts codes used in the batch,
    /// "skipped" counts optimiser updates (generator, discriminator) dropped for a NaN/Inf gradient norm.
    /// </summary>
    public static readonly string[] Names =
    {
        "loss", "recon", "codebook", "commitment", "entropy", "g_adv", "perceptual",
        "d_loss", "r1", "lecam", "perplexity", "usage", "skipped",
    };

    /// <summary>Index of a name in <see cref="Names"/>.</summary>
    public static int Index(string name) => Array.IndexOf(Names, name);
}

/// <summary>A training loss or statistic became NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class NonFiniteLossException(long step, string term)
    : Exception($"Loss term '{term}' became NaN/Inf at step {step}. Training stopped; the last good checkpoint is kept. " +
                "Lower the learning rate, raise the warm-up, or check the input clips are in [-1, 1].")
{
    /// <summary>The step at which it first happened.</summary>
    public long Step { get; } = step;

    /// <summary>The loss term.</summary>
    public string Term { get; } = term;
}
