using System.Globalization;
using System.Text;
using MagvitSeg.Runtime;

namespace MagvitSeg.Study;

/// <summary>The curves' files: <c>curves.csv</c> (one row per run), <c>differences.csv</c> and <c>curves.json</c>.</summary>
public static class CurvesTable
{
    /// <summary>Header of curves.csv. AP is empty for the semantic probes.</summary>
    public const string CurvesHeader = "arm,probe,train_images,seed,steps,AP,mIoU,train_seconds";

    /// <summary>Header of differences.csv (metric in percentage points, interval at 95%).</summary>
    public const string DifferencesHeader = "pair,probe,train_images,metric,mean,ci_low,ci_high,seeds,resamples";

    /// <summary>curves.csv's text.</summary>
    public static string CurvesCsv(IEnumerable<CurvesRow> rows)
    {
        var sb = new StringBuilder(CurvesHeader).Append('\n');
        foreach (var r in rows)
            sb.AppendJoin(',', r.Arm, r.Probe, I(r.TrainImages), I(r.Seed), I(r.Steps), F(r.AP), F(r.MIoU), F(r.TrainSeconds)).Append('\n');
        return sb.ToString();
    }

    /// <summary>differences.csv's text.</summary>
    public static string DifferencesCsv(IEnumerable<CurvesDifference> rows)
    {
        var sb = new StringBuilder(DifferencesHeader).Append('\n');
        foreach (var d in rows)
            sb.AppendJoin(',', d.Pair, d.Probe, I(d.TrainImages), d.Metric, F(d.Mean), F(d.Low), F(d.High), I(d.Seeds), I(d.Resamples)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes the three files into <paramref name="root"/> (each through a temp file and a rename).</summary>
    public static void Write(string root, CurvesResult result, object config)
    {
        AtomicFile.WriteAllText(Path.Combine(root, "curves.csv"), CurvesCsv(result.Rows));
        AtomicFile.WriteAllText(Path.Combine(root, "differences.csv"), DifferencesCsv(result.Differences));
        AtomicFile.WriteJson(Path.Combine(root, "curves.json"), new { config, runs = result.Rows, levels = result.Levels, differences = result.Differences });
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    // Undefined metrics (AP of a semantic probe) are empty cells.
    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";
}
