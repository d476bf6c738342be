using System.Diagnostics;

namespace MagvitSeg.Training;

/// <summary>
/// Steps, rate and ETA for long work. Prints at most every <c>interval</c> seconds (and at the end) to a sink: the
/// console in the CLI, or a notebook's updatable display (pass <c>DisplayedValue.Update</c> as the sink).
/// </summary>
public sealed class Progress(string label, long total, Action<string>? sink = null, double intervalSeconds = 2, long startAt = 0)
{
    private readonly Stopwatch _sw = Stopwatch.StartNew();
    private readonly Action<string> _sink = sink ?? Console.WriteLine;
    private double _last = double.NegativeInfinity;
    private readonly long _start = startAt;   // work done before this process (a resumed run) does not count in the rate

    /// <summary>Reports that <paramref name="done"/> of the total are complete, with an optional detail.</summary>
    public void Report(long done, string detail = "", bool force = false)
    {
        double t = _sw.Elapsed.TotalSeconds;
        if (!force && done < total && t - _last < intervalSeconds) return;
        _last = t;
        double rate = (done - _start) / Math.Max(t, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : double.NaN;
        _sink($"{label} {done}/{total} ({100.0 * done / Math.Max(total, 1):F0}%) {rate:F2}/s, elapsed {Fmt(t)}, ETA {Fmt(eta)}{(detail.Length > 0 ? " | " + detail : "")}");
    }

    /// <summary>Seconds since the start.</summary>
    public double Elapsed => _sw.Elapsed.TotalSeconds;

    private static string Fmt(double s) => double.IsNaN(s) ? "?" : s < 90 ? $"{s:F0}s" : s < 5400 ? $"{s / 60:F1}m" : $"{s / 3600:F1}h";
}
