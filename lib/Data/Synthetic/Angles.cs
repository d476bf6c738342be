namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// An arctangent cheap enough for the per-pixel star test. It is within 1e-10 rad of the true angle, far inside
/// <see cref="Tolerance"/>, so a shape test that falls back to the exact libm path whenever its margin is within the
/// tolerance gives exactly the exact path's answer.
/// </summary>
internal static class Angles
{
    /// <summary>A margin (in radius units) beyond which the cheap and the exact shape tests cannot disagree.</summary>
    public const double Tolerance = 1e-7;

    /// <summary>atan2(y, x) for (x, y) away from the origin, to 1e-10 rad.</summary>
    public static double Atan2(double y, double x)
    {
        double ax = Math.Abs(x), ay = Math.Abs(y);
        double t = Math.Min(ax, ay) / Math.Max(ax, ay);
        // atan t = 2 atan(t / (1 + sqrt(1 + t^2))) brings t to [0, tan(pi/8)], where the Taylor series' first dropped
        // term (t^25 / 25) is below 2e-11.
        t /= 1 + Math.Sqrt(1 + t * t);
        double s = t * t;
        // Taylor coefficients of atan t / t in t^2, (-1)^k / (2k + 1), by Horner.
        double p = 1 - s * (1 / 3.0 - s * (1 / 5.0 - s * (1 / 7.0 - s * (1 / 9.0 - s * (1 / 11.0 - s * (1 / 13.0
            - s * (1 / 15.0 - s * (1 / 17.0 - s * (1 / 19.0 - s * (1 / 21.0 - s / 23.0))))))))));
        double r = 2 * t * p;
        if (ay > ax) r = Math.PI / 2 - r;
        if (x < 0) r = Math.PI - r;
        return y < 0 ? -r : r;
    }
}
