namespace MagvitSeg.Data;

/// <summary>An input a source could not use (missing, corrupt, truncated, empty or too short), with the reason naming it.</summary>
public sealed record SkippedSample(string Item, string Reason);

/// <summary>
/// A source that skips bad inputs instead of failing mid-run or using garbage; a training run reports the list at the
/// end. Wrappers (prefetch, mixing) forward their inner sources' lists.
/// </summary>
public interface IReportsSkipped
{
    /// <summary>Inputs skipped so far, each named once.</summary>
    IReadOnlyList<SkippedSample> Skipped { get; }
}
