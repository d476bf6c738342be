using System.Globalization;

namespace MagvitSeg.Viz;

/// <summary>A numeric axis: range, "nice" tick values (1-2-5 steps, decades on log axes) and tick labels.</summary>
internal sealed class Axis
{
    private Axis(double min, double max, bool log, double[] ticks, double step)
    {
        Min = min; Max = max; Log = log; Ticks = ticks; _step = step;
    }

    private readonly double _step;
    public double Min { get; }
    public double Max { get; }
    public bool Log { get; }
    public double[] Ticks { get; }

    /// <summary>Where bars start: 0 on a linear axis, the bottom on a log axis.</summary>
    public double Base => Log ? Min : Math.Clamp(0, Min, Max);

    public bool Valid(double v) => double.IsFinite(v) && (!Log || v > 0);

    /// <summary>Position of <paramref name="v"/> along the axis, 0 at <see cref="Min"/> and 1 at <see cref="Max"/>.</summary>
    public double Fraction(double v) => Log
        ? (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min))
        : (v - Min) / (Max - Min);

    public static Axis Make(IEnumerable<double> values, (double Min, double Max)? fixedRange, bool log, bool pad)
    {
        var v = values.Where(x => double.IsFinite(x) && (!log || x > 0)).ToArray();
        double lo, hi;
        if (fixedRange is { } r) { lo = r.Min; hi = r.Max; }
        else if (v.Length == 0) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
        else { lo = v.Min(); hi = v.Max(); }
        if (log)
        {
            if (lo <= 0 || hi <= 0) throw new ArgumentException($"A log axis needs positive limits, got [{lo}, {hi}].");
            if (hi <= lo) { lo /= 2; hi *= 2; }
            if (pad && fixedRange is null) { double f = Math.Pow(hi / lo, 0.05); lo /= f; hi *= f; }
            return new Axis(lo, hi, true, LogTicks(lo, hi), 0);
        }
        if (hi <= lo) { double d = lo == 0 ? 1 : Math.Abs(lo) * 0.1; lo -= d; hi += d; }
        if (pad && fixedRange is null)
        {
            double d = (hi - lo) * 0.05;
            // Keep a zero baseline at zero (bars), pad only away from it.
            if (lo != 0) lo -= d;
            if (hi != 0) hi += d;
        }
        double step = NiceStep((hi - lo) / 5);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return new Axis(lo, hi, false, ticks.ToArray(), step);
    }

    public string Format(double v)
    {
        if (Log || Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-3))
            return v.ToString(Math.Abs(v) >= 1e5 || Math.Abs(v) < 1e-3 ? "0.##e+0" : "0.###", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(_step) + 1e-9));
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static double NiceStep(double raw)
    {
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    }

    private static double[] LogTicks(double lo, double hi)
    {
        int k0 = (int)Math.Floor(Math.Log10(lo)), k1 = (int)Math.Ceiling(Math.Log10(hi));
        var ticks = DecadeTicks(lo, hi, k0, k1, k1 - k0 <= 2 ? new[] { 1.0, 2, 5 } : new[] { 1.0 });
        if (ticks.Count >= 2) return ticks.ToArray();
        // A range inside one decade (say 12..19, a head's loss curve) can miss every 1-2-5 value: nice linear steps then.
        double step = NiceStep((hi - lo) / 4);
        var linear = new List<double>();
        for (double t = Math.Ceiling(lo / step - 1e-9) * step; t <= hi * (1 + 1e-9); t += step) linear.Add(t);
        return linear.Count >= 2 ? linear.ToArray() : new[] { lo, hi };
    }

    private static List<double> DecadeTicks(double lo, double hi, int k0, int k1, double[] mult)
    {
        var ticks = new List<double>();
        for (int k = k0; k <= k1; k++)
            foreach (double m in mult)
            {
                double t = m * Math.Pow(10, k);
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.Add(t);
            }
        return ticks;
    }
}
