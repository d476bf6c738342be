namespace MagvitSeg.Evaluation;

/// <summary>
/// Bootstrap resamples of evaluation images: each draws n of the n images with replacement. The generator is SplitMix64
/// from an explicit seed (never HashCode or System.Random's unspecified algorithm), so every process, arm and seed sees
/// the same resamples. Each resample is sorted ascending, so an image drawn twice sits next to itself, in the image
/// order the COCO accumulator ranks ties in.
/// </summary>
public static class BootstrapResamples
{
    /// <summary><paramref name="resamples"/> index multisets of size <paramref name="images"/>.</summary>
    public static int[][] Draw(int images, int resamples, ulong seed)
    {
        if (images < 1 || resamples < 1) throw new ArgumentException($"BootstrapResamples: need at least one image and one resample, got {images} and {resamples}.");
        var rng = new SplitMix64(seed);
        var all = new int[resamples][];
        for (int r = 0; r < resamples; r++)
        {
            var idx = new int[images];
            for (int j = 0; j < images; j++) idx[j] = rng.Below(images);
            Array.Sort(idx);
            all[r] = idx;
        }
        return all;
    }

    /// <summary>
    /// The q-quantile (0..1) of the values by linear interpolation between order statistics at position q (n - 1)
    /// (Hyndman and Fan's type 7, numpy's default): the percentile method of the intervals.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0 || q is < 0 or > 1) throw new ArgumentException($"Percentile: need values and q in [0, 1], got {values.Count} values, q = {q}.");
        var sorted = values.Order().ToArray();
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>SplitMix64 (Steele, Lea and Flood 2014): a small generator whose output is fixed by its seed alone.</summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, n) (rejection sampling, so no modulo bias).</summary>
    public int Below(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "SplitMix64.Below needs n >= 1.");
        ulong bound = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong v;
        do v = Next(); while (v >= limit);
        return (int)(v % bound);
    }
}
