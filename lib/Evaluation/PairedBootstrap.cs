namespace MagvitSeg.Evaluation;

/// <summary>One run's metric on the full evaluation set and on each bootstrap resample (the same resamples for every run).</summary>
/// <param name="Full">The metric on every image once.</param>
/// <param name="Resampled">The metric on resample r, in the order of the resamples.</param>
public sealed record ResampledMetric(double Full, double[] Resampled)
{
    /// <summary>Evaluates <paramref name="metric"/> (a function of an image multiset) on the full set and every resample.</summary>
    public static ResampledMetric Of(Func<int[], double> metric, int images, int[][] resamples) =>
        new(metric(Enumerable.Range(0, images).ToArray()), resamples.Select(metric).ToArray());
}

/// <summary>A seed-averaged metric or paired difference with its bootstrap interval.</summary>
/// <param name="Mean">Mean over seeds on the full evaluation set (of A - B for a difference).</param>
/// <param name="Low">Lower end of the interval (percentile method).</param>
/// <param name="High">Upper end.</param>
/// <param name="Resamples">Bootstrap resamples used (those where the statistic is defined).</param>
/// <param name="Seeds">Seeds combined.</param>
public sealed record BootstrapInterval(double Mean, double Low, double High, int Resamples, int Seeds);

/// <summary>
/// The paired bootstrap over evaluation images. Both arms are scored on the same resample, so the variation that comes
/// from which images happen to be in the evaluation set, shared by both arms, cancels in the difference. Seeds are
/// combined inside each resample: the statistic of resample r is the mean over seeds s of
/// metric(A, s, r) - metric(B, s, r) (seed s of A paired with seed s of B), so the interval is that of the seed-averaged
/// difference over image sampling; seed-to-seed variation enters through the average, not as a second resampled axis.
/// The interval is the percentile interval: the (1 - level)/2 and (1 + level)/2 quantiles of the resampled statistics
/// (<see cref="BootstrapResamples.Percentile"/>, linear interpolation).
/// </summary>
public static class PairedBootstrap
{
    /// <summary>The difference A - B over seed pairs; resamples where the statistic is NaN (e.g. no ground truth drawn) are left out.</summary>
    public static BootstrapInterval Difference(IReadOnlyList<(ResampledMetric A, ResampledMetric B)> seedPairs, double level = 0.95)
    {
        if (seedPairs.Count == 0) throw new ArgumentException("PairedBootstrap: no seed pairs.");
        int n = seedPairs[0].A.Resampled.Length;
        if (seedPairs.Any(p => p.A.Resampled.Length != n || p.B.Resampled.Length != n))
            throw new ArgumentException("PairedBootstrap: every run must be evaluated on the same resamples.");
        return Interval(seedPairs.Average(p => p.A.Full - p.B.Full),
            Enumerable.Range(0, n).Select(r => seedPairs.Average(p => p.A.Resampled[r] - p.B.Resampled[r])), seedPairs.Count, level);
    }

    /// <summary>One arm's seed-averaged metric with the same kind of interval (the band around a curve).</summary>
    public static BootstrapInterval Level(IReadOnlyList<ResampledMetric> seeds, double level = 0.95)
    {
        if (seeds.Count == 0) throw new ArgumentException("PairedBootstrap: no seeds.");
        int n = seeds[0].Resampled.Length;
        return Interval(seeds.Average(s => s.Full), Enumerable.Range(0, n).Select(r => seeds.Average(s => s.Resampled[r])), seeds.Count, level);
    }

    private static BootstrapInterval Interval(double mean, IEnumerable<double> statistics, int seeds, double level)
    {
        if (level is <= 0 or >= 1) throw new ArgumentException($"PairedBootstrap: level must be in (0, 1), got {level}.");
        var finite = statistics.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new BootstrapInterval(mean, double.NaN, double.NaN, 0, seeds);
        return new BootstrapInterval(mean, BootstrapResamples.Percentile(finite, (1 - level) / 2),
            BootstrapResamples.Percentile(finite, (1 + level) / 2), finite.Length, seeds);
    }
}
