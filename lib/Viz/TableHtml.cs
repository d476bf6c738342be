using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace MagvitSeg.Viz;

/// <summary>
/// A <see cref="DataFrame"/> as an HTML table for notebook outputs (the notebooks' formatter for DataFrames):
/// numbers right-aligned with 4 significant digits, nulls blank, at most <c>maxRows</c> rows with a note of the rest.
/// </summary>
public static class TableHtml
{
    /// <summary>The table's HTML.</summary>
    public static string Of(DataFrame frame, int maxRows = 40)
    {
        if (maxRows < 1) throw new ArgumentException($"maxRows must be at least 1, got {maxRows}.", nameof(maxRows));
        var sb = new StringBuilder();
        sb.Append("<table class=\"magvitseg-table\" style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">");
        sb.Append("<thead><tr>");
        foreach (var c in frame.Columns)
            sb.Append("<th style=\"border-bottom:1px solid #888;padding:2px 8px;text-align:")
              .Append(IsNumeric(c) ? "right" : "left").Append("\">").Append(WebUtility.HtmlEncode(c.Name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        long rows = Math.Min(frame.Rows.Count, maxRows);
        for (long r = 0; r < rows; r++)
        {
            sb.Append("<tr>");
            foreach (var c in frame.Columns)
                sb.Append("<td style=\"padding:2px 8px;text-align:").Append(IsNumeric(c) ? "right" : "left").Append("\">")
                  .Append(WebUtility.HtmlEncode(Cell(c[r]))).Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (frame.Rows.Count > rows)
            sb.Append("<div style=\"font-size:12px;color:#666\">").Append(frame.Rows.Count - rows).Append(" more rows of ")
              .Append(frame.Rows.Count).Append("</div>");
        return sb.ToString();
    }

    /// <summary>One cell as text: numbers with up to 4 significant digits (integers whole), null as "".</summary>
    public static string Cell(object? value) => value switch
    {
        null => "",
        double d => Number(d),
        float f => Number(f),
        decimal m => Number((double)m),
        IFormattable i => i.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Number(double d) =>
        double.IsNaN(d) ? "NaN"
        : d == Math.Round(d) && Math.Abs(d) < 1e9 ? d.ToString("F0", CultureInfo.InvariantCulture)
        : d.ToString("G4", CultureInfo.InvariantCulture);

    private static bool IsNumeric(DataFrameColumn c) => c.DataType != typeof(string) && c.DataType != typeof(bool) && c.DataType != typeof(char);
}
