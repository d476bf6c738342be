using System.Diagnostics;
using System.Globalization;

namespace MagvitSeg.Viz;

/// <summary>
/// Step progress with rate and ETA, written as one line through a sink at most every <c>interval</c>:
/// the CLI prints each line (default sink: Console.WriteLine); a notebook passes a sink that updates one
/// display in place (<c>var d = display(""); new ProgressReporter(..., sink: s =&gt; d.Update(s))</c>),
/// so the library never references dotnet-interactive.
/// </summary>
public sealed class ProgressReporter
{
    private readonly Action<string> _sink;
    private readonly Func<double> _clock;
    private readonly double _intervalSeconds;
    private readonly double _start;
    private double _lastEmit = double.NegativeInfinity;

    /// <param name="label">What runs ("tokenizer", "eval").</param>
    /// <param name="total">Total steps; 0 or less when unknown (no percentage, no ETA).</param>
    /// <param name="interval">Least time between two lines. The default is 10 s.</param>
    /// <param name="sink">Where lines go. The default is Console.WriteLine.</param>
    /// <param name="clockSeconds">A monotonic clock in seconds (tests pass a fake). The default is a Stopwatch.</param>
    public ProgressReporter(string label, long total, TimeSpan? interval = null, Action<string>? sink = null, Func<double>? clockSeconds = null)
    {
        Label = label;
        Total = total;
        _intervalSeconds = (interval ?? TimeSpan.FromSeconds(10)).TotalSeconds;
        _sink = sink ?? Console.WriteLine;
        if (clockSeconds is null)
        {
            var sw = Stopwatch.StartNew();
            clockSeconds = () => sw.Elapsed.TotalSeconds;
        }
        _clock = clockSeconds;
        _start = _clock();
    }

    public string Label { get; }
    public long Total { get; }

    /// <summary>Steps done so far.</summary>
    public long Step { get; private set; }

    /// <summary>The last line written (also when the sink is a display).</summary>
    public string LastLine { get; private set; } = "";

    /// <summary>Records that <paramref name="step"/> steps are done; writes a line if the interval has passed (or at the last step).</summary>
    /// <param name="step">Steps done (absolute, not an increment).</param>
    /// <param name="metrics">Extra text such as "loss 0.123 psnr 21.4".</param>
    /// <returns>True when a line was written.</returns>
    public bool Report(long step, string? metrics = null)
    {
        Step = step;
        double now = _clock();
        bool last = Total > 0 && step >= Total;
        if (!last && now - _lastEmit < _intervalSeconds) return false;
        Emit(now, metrics);
        return true;
    }

    /// <summary>Writes a line now, whatever the interval (end of a run, or a phase change).</summary>
    public void Flush(string? metrics = null) => Emit(_clock(), metrics);

    /// <summary>The line for the current state at time <paramref name="now"/> (seconds on the reporter's clock).</summary>
    public string Format(double now, string? metrics)
    {
        double elapsed = Math.Max(now - _start, 0);
        double rate = elapsed > 0 ? Step / elapsed : 0;
        var ci = CultureInfo.InvariantCulture;
        string line = Total > 0
            ? string.Create(ci, $"{Label} {Step}/{Total} ({100.0 * Step / Total:F1}%)")
            : string.Create(ci, $"{Label} {Step}");
        line += string.Create(ci, $" | {FormatRate(rate)} | elapsed {FormatDuration(elapsed)}");
        if (Total > 0 && Step < Total) line += " | ETA " + (rate > 0 ? FormatDuration((Total - Step) / rate) : "?");
        if (!string.IsNullOrEmpty(metrics)) line += " | " + metrics;
        return line;
    }

    /// <summary>"12.3 it/s", or "4.1 s/it" when slower than one step per second.</summary>
    public static string FormatRate(double stepsPerSecond) =>
        stepsPerSecond <= 0 ? "- it/s"
        : stepsPerSecond >= 1 ? stepsPerSecond.ToString("F1", CultureInfo.InvariantCulture) + " it/s"
        : (1 / stepsPerSecond).ToString("F1", CultureInfo.InvariantCulture) + " s/it";

    /// <summary>"m:ss", or "h:mm:ss" from one hour.</summary>
    public static string FormatDuration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:D2}");
    }

    private void Emit(double now, string? metrics)
    {
        _lastEmit = now;
        LastLine = Format(now, metrics);
        _sink(LastLine);
    }
}
