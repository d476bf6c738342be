using System.Globalization;

namespace MagvitSeg.Masking;

/// <summary>
/// MaskGIT/MAGVIT mask-ratio schedules (<c>mask_schedule.py</c>): a ratio r in [0, 1) (uniform in training, step/steps
/// in decoding) becomes the fraction of maskable tokens to mask, clipped to [1e-6, 1].
/// </summary>
public static class MaskSchedule
{
    /// <summary>
    /// <paramref name="method"/>: <c>cosine</c> (cos(pi/2 r), MAGVIT's choice), <c>uniform</c> (1 - r), <c>powP</c>
    /// (1 - r^P, e.g. pow2.5), <c>log</c> (-log2 r / log2 n), <c>exp</c> (1 - 2^(-log2 n (1 - r))) or
    /// <c>poly:c0,c1,...</c> (polynomial, highest power first, as numpy's polyval); n = <paramref name="totalUnknown"/>.
    /// </summary>
    public static double Ratio(double r, long totalUnknown, string method = "cosine")
    {
        double m;
        if (method.StartsWith("poly:", StringComparison.Ordinal))
        {
            m = 0;
            foreach (var c in method[5..].Split(',')) m = m * r + ParseNumber(c, method);
        }
        else if (method == "uniform") m = 1 - r;
        else if (method.Contains("pow", StringComparison.Ordinal)) m = 1 - Math.Pow(r, ParseNumber(method.Replace("pow", ""), method));
        else if (method == "cosine") m = Math.Cos(Math.PI / 2 * r);
        else if (method == "log") m = -Math.Log2(r) / Math.Log2(totalUnknown);
        else if (method == "exp") m = 1 - Math.Pow(2, -Math.Log2(totalUnknown) * (1 - r));
        else throw new ArgumentException($"Unknown mask schedule '{method}': use cosine, uniform, powP, log, exp or poly:c0,c1,...");
        return Math.Clamp(m, 1e-6, 1.0);
    }

    /// <summary>
    /// Tokens to mask, as <c>random_mask</c>: floor(maskable x clip(ratio, 1e-6, 1)), then clipped to at least 1 and at
    /// most the maskable count (and to the optional extra limits).
    /// </summary>
    public static long NumMasked(long numMaskable, double maskRatio, long? minMasked = null, long? maxMasked = null)
    {
        long n = (long)Math.Floor(numMaskable * Math.Clamp(maskRatio, 1e-6, 1.0));
        long lo = Math.Max(1, minMasked ?? 1), hi = Math.Min(numMaskable, maxMasked ?? long.MaxValue);
        return Math.Min(Math.Max(n, lo), hi);   // jnp.clip order: the upper limit wins when the limits cross
    }

    private static double ParseNumber(string text, string method) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new ArgumentException($"Mask schedule '{method}': '{text}' is not a number.");
}
