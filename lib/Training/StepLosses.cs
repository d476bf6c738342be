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

/// <summary>
/// A training loss or statistic became NaN or infinite (tokenizer, head or probe): training stopped, and what is on disk
/// predates it. Every verb reports it as one line with exit code 3.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>The tokenizer's form: the last good checkpoint is kept.</summary>
    public NonFiniteLossException(long step, string term)
        : this(step, term, $"Loss term '{term}' became NaN/Inf at step {step}. Training stopped; the last good checkpoint is kept. " +
                           "Lower the learning rate, raise the warm-up, or check the input clips are in [-1, 1].") { }

    /// <summary>With a message of the trainer's own (what to lower or check).</summary>
    public NonFiniteLossException(long step, string term, string message) : base(message) => (Step, Term) = (step, term);

    /// <summary>The step at which it first happened.</summary>
    public long Step { get; }

    /// <summary>The loss term.</summary>
    public string Term { get; }
}
