using System.Globalization;
using System.Text;
using MagvitSeg.Runtime;

namespace MagvitSeg.Study;

/// <summary>One trained-and-evaluated head: a study variant at one seed. Metrics are COCO units x100 (NaN when undefined).</summary>
public sealed record StudyRow(
    string Variant, string Description, int Seed,
    double AP, double AP50, double AP75, double APs, double APm, double APl, double MIoU, double APAgnostic,
    double TrainSeconds);

/// <summary>Mean and (sample) standard deviation of each metric over a variant's seeds.</summary>
public sealed record StudySummary(
    string Variant, string Description, int Seeds,
    double AP, double APStd, double AP50, double AP50Std, double AP75, double AP75Std,
    double APs, double APm, double APl, double MIoU, double MIoUStd, double APAgnostic, double APAgnosticStd, double TrainSeconds);

/// <summary>The study's table: rows per variant and seed, summaries, and the files <c>study.csv</c> / <c>study.json</c>.</summary>
public static class StudyTable
{
    /// <summary>The CSV header, in column order.</summary>
    public const string CsvHeader = "variant,seed,AP,AP50,AP75,APs,APm,APl,mIoU,AP_class_agnostic,train_seconds,description";

    /// <summary>Summarises rows per variant, keeping the variants' first-seen order.</summary>
    public static List<StudySummary> Summarise(IEnumerable<StudyRow> rows) =>
        rows.GroupBy(r => r.Variant).Select(g =>
        {
            var list = g.ToList();
            return new StudySummary(g.Key, list[0].Description, list.Count,
                Mean(list, r => r.AP), Std(list, r => r.AP),
                Mean(list, r => r.AP50), Std(list, r => r.AP50),
                Mean(list, r => r.AP75), Std(list, r => r.AP75),
                Mean(list, r => r.APs), Mean(list, r => r.APm), Mean(list, r => r.APl),
                Mean(list, r => r.MIoU), Std(list, r => r.MIoU),
                Mean(list, r => r.APAgnostic), Std(list, r => r.APAgnostic),
                Mean(list, r => r.TrainSeconds));
        }).ToList();

    /// <summary>Mean over the values that are defined; NaN when none is.</summary>
    public static double Mean<T>(IReadOnlyCollection<T> xs, Func<T, double> f)
    {
        var v = xs.Select(f).Where(d => !double.IsNaN(d)).ToList();
        return v.Count == 0 ? double.NaN : v.Average();
    }

    /// <summary>Sample standard deviation (n-1) over the defined values; 0 for one value, NaN for none.</summary>
    public static double Std<T>(IReadOnlyCollection<T> xs, Func<T, double> f)
    {
        var v = xs.Select(f).Where(d => !double.IsNaN(d)).ToList();
        if (v.Count == 0) return double.NaN;
        if (v.Count == 1) return 0;
        double m = v.Average();
        return Math.Sqrt(v.Sum(d => (d - m) * (d - m)) / (v.Count - 1));
    }

    /// <summary>The CSV text (invariant culture, one row per variant and seed).</summary>
    public static string ToCsv(IEnumerable<StudyRow> rows)
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(string.Join(',', new[]
            {
                r.Variant, r.Seed.ToString(CultureInfo.InvariantCulture),
                F(r.AP), F(r.AP50), F(r.AP75), F(r.APs), F(r.APm), F(r.APl), F(r.MIoU), F(r.APAgnostic), F(r.TrainSeconds),
                "\"" + r.Description.Replace("\"", "\"\"") + "\"",
            })).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads a study.csv back (for notebooks and report figures).</summary>
    /// <exception cref="InvalidDataException">The header or a row is malformed (names the file and line).</exception>
    public static List<StudyRow> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != CsvHeader)
            throw new InvalidDataException($"{path}: line 1 is not the study.csv header '{CsvHeader}'. Was it written by 'magvitseg study'? " +
                                           "(Files from before the AP_class_agnostic column are rewritten by running the same 'magvitseg study' again: trained heads are reused.)");
        var rows = new List<StudyRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            int q = lines[i].IndexOf(",\"", StringComparison.Ordinal);
            if (q < 0) throw new InvalidDataException($"{path}: line {i + 1} has no quoted description column.");
            var c = lines[i][..q].Split(',');
            if (c.Length != 11) throw new InvalidDataException($"{path}: line {i + 1} has {c.Length + 1} columns, expected 12.");
            string desc = lines[i][(q + 2)..^1].Replace("\"\"", "\"");
            rows.Add(new StudyRow(c[0], desc, int.Parse(c[1], CultureInfo.InvariantCulture),
                P(c[2]), P(c[3]), P(c[4]), P(c[5]), P(c[6]), P(c[7]), P(c[8]), P(c[9]), P(c[10])));
        }
        return rows;
    }

    /// <summary>Writes study.csv and study.json (rows + per-variant summaries) atomically into <paramref name="dir"/>.</summary>
    public static void Write(string dir, IReadOnlyList<StudyRow> rows, object? config = null)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, "study.csv"), ToCsv(rows));
        AtomicFile.WriteJson(Path.Combine(dir, "study.json"), new
        {
            rows = rows.Select(JsonRow),
            summary = Summarise(rows).Select(s => new Dictionary<string, object?>
            {
                ["variant"] = s.Variant, ["description"] = s.Description, ["seeds"] = s.Seeds,
                ["AP"] = J(s.AP), ["AP_std"] = J(s.APStd), ["AP50"] = J(s.AP50), ["AP50_std"] = J(s.AP50Std),
                ["AP75"] = J(s.AP75), ["AP75_std"] = J(s.AP75Std), ["APs"] = J(s.APs), ["APm"] = J(s.APm),
                ["APl"] = J(s.APl), ["mIoU"] = J(s.MIoU), ["mIoU_std"] = J(s.MIoUStd),
                ["AP_class_agnostic"] = J(s.APAgnostic), ["AP_class_agnostic_std"] = J(s.APAgnosticStd), ["train_seconds"] = J(s.TrainSeconds),
            }),
            config,
        });
    }

    private static Dictionary<string, object?> JsonRow(StudyRow r) => new()
    {
        ["variant"] = r.Variant, ["seed"] = r.Seed, ["AP"] = J(r.AP), ["AP50"] = J(r.AP50), ["AP75"] = J(r.AP75),
        ["APs"] = J(r.APs), ["APm"] = J(r.APm), ["APl"] = J(r.APl), ["mIoU"] = J(r.MIoU), ["AP_class_agnostic"] = J(r.APAgnostic),
        ["train_seconds"] = J(r.TrainSeconds),
        ["description"] = r.Description,
    };

    // JSON has no NaN: undefined metrics are written as null.
    private static double? J(double d) => double.IsNaN(d) ? null : Math.Round(d, 4);
    private static string F(double d) => double.IsNaN(d) ? "nan" : d.ToString("0.####", CultureInfo.InvariantCulture);
    private static double P(string s) => s == "nan" ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
}
