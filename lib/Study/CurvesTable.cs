using System.Globalization;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// Reads the runs, levels and differences back from a <c>curves.json</c> written by <see cref="Write"/>, so figures
    /// can be redrawn without training or re-running the bootstrap (notebook 06).
    /// </summary>
    public static CurvesResult ReadJson(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist; run 'magvitseg curves' (or notebook 05) first.", path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON ({e.Message}); run 'magvitseg curves' again to rewrite it."); }
        using (doc)
        {
            List<T> Read<T>(string field)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(field, out var e) || e.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"'{path}': field '{field}' is missing or not an array; run 'magvitseg curves' again to rewrite it.");
                try { return e.Deserialize<List<T>>(AtomicFile.Json) ?? new List<T>(); }
                catch (JsonException x) { throw new InvalidDataException($"'{path}': field '{field}' {x.Path}: {x.Message}; run 'magvitseg curves' again to rewrite it."); }
            }
            return new CurvesResult(Read<CurvesRow>("runs"), Read<CurvesLevel>("levels"), Read<CurvesDifference>("differences"));
        }
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    // Undefined metrics (AP of a semantic probe) are empty cells.
    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";
}
