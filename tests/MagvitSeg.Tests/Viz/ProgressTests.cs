using MagvitSeg.Viz;

namespace MagvitSeg.Tests.Viz;

public class ProgressTests
{
    [Fact]
    public void WritesAtMostEveryIntervalWithRateAndEta()
    {
        double now = 100;
        var lines = new List<string>();
        var p = new ProgressReporter("train", 10, TimeSpan.FromSeconds(10), lines.Add, () => now);
        Assert.True(p.Report(1));                 // the first report always writes
        now = 105;
        Assert.False(p.Report(2));                // 5 s < 10 s
        now = 111;
        Assert.True(p.Report(3, "loss 0.5"));
        // 3 steps in 11 s: 0.2727 it/s = 3.7 s/it; 7 steps left: 25.67 s -> 0:26.
        Assert.Equal("train 3/10 (30.0%) | 3.7 s/it | elapsed 0:11 | ETA 0:26 | loss 0.5", lines[^1]);
        now = 112;
        Assert.True(p.Report(10));                // the last step always writes, without ETA
        Assert.Equal("train 10/10 (100.0%) | 1.2 s/it | elapsed 0:12", lines[^1]); // 10 steps in 12 s
        Assert.Equal(3, lines.Count);
        Assert.Equal(lines[^1], p.LastLine);
    }

    [Fact]
    public void UnknownTotalHasNoPercentageOrEta()
    {
        double now = 0;
        var lines = new List<string>();
        var p = new ProgressReporter("decode", 0, TimeSpan.Zero, lines.Add, () => now);
        now = 2;
        p.Report(50);
        Assert.Equal("decode 50 | 25.0 it/s | elapsed 0:02", lines[^1]);
    }

    [Fact]
    public void DurationsFormatAsClock()
    {
        Assert.Equal("1:02:05", ProgressReporter.FormatDuration(3725));
        Assert.Equal("0:59", ProgressReporter.FormatDuration(59.4));
        Assert.Equal("- it/s", ProgressReporter.FormatRate(0));
    }
}
