using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>
/// The larger sample data beside the checkout (<c>../shared/data</c>, or the folder named by $MAGVITSEG_DATA): coco-tiny and
/// the sample videos. A user's clone does not have it, so tests that need it are skipped, with the reason, when it is
/// absent; CI sets $MAGVITSEG_REQUIRE_SAMPLE_DATA=1, and there a missing folder fails those tests instead.
/// </summary>
public static class SampleData
{
    /// <summary>Set to 1 (CI) to fail, rather than skip, the tests whose sample data is missing.</summary>
    public const string RequireEnv = "MAGVITSEG_REQUIRE_SAMPLE_DATA";

    /// <summary>Whether missing sample data fails the tests that need it.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireEnv)?.Trim() is "1" or "true";

    /// <summary>The first of the given paths (relative to the sample data folder) that does not exist; null when all do.</summary>
    public static string? FirstMissing(IEnumerable<string> parts)
    {
        foreach (string part in parts)
        {
            string path = RepoPaths.SharedData(part);
            if (!File.Exists(path) && !Directory.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Why a test needing <paramref name="parts"/> is skipped here; null when it runs (data present, or required).</summary>
    public static string? SkipReason(IEnumerable<string> parts)
    {
        if (Required || FirstMissing(parts) is not { } missing) return null;
        return $"Needs the sample data: {missing} is absent (it lives in ../shared/data beside the checkout, or set {RepoPaths.DataEnv}).";
    }

    /// <summary>The failure of a test needing <paramref name="parts"/> in a run that requires the sample data; null when present.</summary>
    public static string? RequiredButMissing(IEnumerable<string> parts) =>
        Required && FirstMissing(parts) is { } missing
            ? $"{RequireEnv}=1 but the sample data is missing: {missing} (put it at ../shared/data beside the checkout or set {RepoPaths.DataEnv})."
            : null;
}
