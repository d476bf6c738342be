using System.Globalization;
using System.Text;

namespace MagvitSeg.Training;

/// <summary>Appends rows to a CSV file (header written once); each flush is one append so a crash loses at most a window.</summary>
public sealed class MetricsLog
{
    private readonly string _path;
    private readonly string[] _columns;

    /// <summary>Opens (or continues) <paramref name="path"/>; an existing file keeps its rows.</summary>
    public MetricsLog(string path, IEnumerable<string> columns)
    {
        _path = path;
        _columns = columns.ToArray();
        if (!File.Exists(path)) File.WriteAllText(path, string.Join(',', _columns) + "\n");
    }

    /// <summary>Drops rows whose first column (the step) is &gt;= <paramref name="step"/>: a resumed run rewrites them.</summary>
    public void TruncateFrom(long step)
    {
        var lines = File.ReadAllLines(_path);
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l =>
            long.TryParse(l.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) && s < step));
        string tmp = _path + ".tmp";
        File.WriteAllLines(tmp, kept);
        File.Move(tmp, _path, overwrite: true);
    }

    /// <summary>Appends rows of numbers.</summary>
    public void Append(IEnumerable<double[]> rows)
    {
        var sb = new StringBuilder();
        foreach (var row in rows)
            sb.AppendLine(string.Join(',', row.Select(v => v.ToString("G7", CultureInfo.InvariantCulture))));
        File.AppendAllText(_path, sb.ToString());
    }

    /// <summary>Writes a whole CSV (header and rows, numbers as <see cref="Append"/> writes them) through a temporary file.</summary>
    public static void Write(string path, IEnumerable<string> columns, IEnumerable<double[]> rows)
    {
        var sb = new StringBuilder(string.Join(',', columns)).Append('\n');
        foreach (var row in rows) sb.Append(string.Join(',', row.Select(v => v.ToString("G7", CultureInfo.InvariantCulture)))).Append('\n');
        Runtime.AtomicFile.WriteAllText(path, sb.ToString());
    }
}
