using System.Globalization;
using SkiaSharp;

namespace MagvitSeg.Viz;

/// <summary>
/// Draws a <see cref="PlotlyFigure"/> to PNG with SkiaSharp: offline, no browser. It follows plotly.js's look
/// (white background, grey grid, category10 colours) closely enough that the PNG and the HTML tell the same story.
/// </summary>
internal static class ChartRenderer
{
    private static readonly SKColor Grid = new(230, 230, 230);
    private static readonly SKColor AxisColor = new(68, 68, 68);
    private static readonly SKColor TextColor = new(42, 42, 42);

    public static PngImage Render(PlotlyFigure fig, float scale)
    {
        if (!(scale > 0 && scale <= 8)) throw new ArgumentException($"PNG scale must be in (0, 8], got {scale}.", nameof(scale));
        int w = (int)Math.Round(fig.Layout.Width * scale), h = (int)Math.Round(fig.Layout.Height * scale);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale(scale);
            var ctx = new Ctx(canvas, fig);
            if (fig.Traces.Count == 1 && fig.Traces[0] is HeatmapTrace hm) DrawHeatmap(ctx, hm);
            else DrawXY(ctx);
            DrawTitles(ctx);
        }
        return PngImage.Encode(bitmap);
    }

    private sealed class Ctx(SKCanvas canvas, PlotlyFigure fig)
    {
        public SKCanvas Canvas { get; } = canvas;
        public PlotlyFigure Fig { get; } = fig;
        public FigureLayout L => Fig.Layout;
        public SKRect Plot;
    }

    // ---- x/y charts (lines, bars, histograms) ----

    private static void DrawXY(Ctx c)
    {
        var traces = c.Fig.Traces;
        var bars = traces.OfType<BarTrace>().ToArray();
        bool categorical = bars.Length > 0; // PlotlyFigure guarantees bars come alone
        string[] categories = categorical ? bars.SelectMany(b => b.Categories).Distinct().ToArray() : Array.Empty<string>();

        var named = traces.Where(t => t.Name is not null).ToArray();
        bool legend = named.Length > 0 && (traces.Count > 1 || categorical == false);
        using var tickFont = Fonts.Font(12);
        using var legendFont = Fonts.Font(13);
        float legendWidth = legend ? named.Max(t => legendFont.MeasureText(t.Name!)) + 40 : 0;
        bool rotate = categorical && categories.Length > 0 &&
                      categories.Max(s => tickFont.MeasureText(s)) > (c.L.Width - 90 - legendWidth) / categories.Length - 6;
        float bottomLabels = rotate ? Math.Min(categories.Max(s => tickFont.MeasureText(s)) * 0.72f + 20, 140) : 22;

        // y range: data (+ error bars), bars and histograms from 0.
        var ys = new List<double>();
        foreach (var t in traces)
        {
            switch (t)
            {
                case LineTrace l:
                    AddWithErrors(ys, l.Y, l.ErrorY);
                    if (l.Low is { } low) { ys.AddRange(low); ys.AddRange(l.High!); }
                    break;
                case BarTrace b: AddWithErrors(ys, b.Y, b.ErrorY); ys.Add(0); break;
                case HistogramTrace hg: ys.AddRange(hg.Counts); if (!c.L.LogY) ys.Add(0); break;
            }
        }
        var yAxis = Axis.Make(ys, c.L.YRange, c.L.LogY, pad: true);
        Axis? xAxis = null;
        if (!categorical)
        {
            var xs = new List<double>();
            foreach (var t in traces)
            {
                if (t is LineTrace l) xs.AddRange(l.X);
                if (t is HistogramTrace hg) xs.AddRange(hg.Edges);
            }
            xAxis = Axis.Make(xs, c.L.XRange, log: c.L.LogX, pad: c.L.LogX);
        }

        float left = 20 + yAxis.Ticks.Max(v => tickFont.MeasureText(yAxis.Format(v))) + (c.L.YTitle is null ? 8 : 28);
        float top = c.L.Title is null ? 24 : 56;
        float bottom = 14 + bottomLabels + (c.L.XTitle is null ? 6 : 24);
        c.Plot = new SKRect(left, top, c.L.Width - 20 - legendWidth, c.L.Height - bottom);
        var p = c.Plot;
        var canvas = c.Canvas;

        using var gridPaint = new SKPaint { Color = Grid, StrokeWidth = 1, IsAntialias = false };
        using var textPaint = new SKPaint { Color = TextColor, IsAntialias = true };
        foreach (double v in yAxis.Ticks)
        {
            float y = MapY(c, yAxis, v);
            canvas.DrawLine(p.Left, y, p.Right, y, gridPaint);
            string s = yAxis.Format(v);
            canvas.DrawText(s, p.Left - 6 - tickFont.MeasureText(s), y + 4, SKTextAlign.Left, tickFont, textPaint);
        }
        if (xAxis is not null)
        {
            foreach (double v in xAxis.Ticks)
            {
                float x = MapX(c, xAxis, v);
                canvas.DrawLine(x, p.Top, x, p.Bottom, gridPaint);
                string s = xAxis.Format(v);
                canvas.DrawText(s, x - tickFont.MeasureText(s) / 2, p.Bottom + 16, SKTextAlign.Left, tickFont, textPaint);
            }
        }
        else
        {
            float slot = p.Width / Math.Max(categories.Length, 1);
            for (int i = 0; i < categories.Length; i++)
            {
                float x = p.Left + slot * (i + 0.5f);
                string s = categories[i];
                if (rotate)
                {
                    canvas.Save();
                    canvas.Translate(x + 4, p.Bottom + 10);
                    canvas.RotateDegrees(-45);
                    canvas.DrawText(s, -tickFont.MeasureText(s), 0, SKTextAlign.Left, tickFont, textPaint);
                    canvas.Restore();
                }
                else canvas.DrawText(s, x - tickFont.MeasureText(s) / 2, p.Bottom + 16, SKTextAlign.Left, tickFont, textPaint);
            }
        }

        canvas.Save();
        canvas.ClipRect(new SKRect(p.Left - 1, p.Top - 1, p.Right + 1, p.Bottom + 1));
        int barIndex = 0;
        for (int ti = 0; ti < traces.Count; ti++)
        {
            var color = Palette.SeriesColor(ti);
            switch (traces[ti])
            {
                case LineTrace l: DrawLine(c, xAxis!, yAxis, l, color); break;
                case HistogramTrace hg: DrawHistogram(c, xAxis!, yAxis, hg, color); break;
                case BarTrace b: DrawBars(c, yAxis, b, color, categories, barIndex++, bars.Length); break;
            }
        }
        canvas.Restore();

        using var axisPaint = new SKPaint { Color = AxisColor, StrokeWidth = 1, IsAntialias = false };
        canvas.DrawLine(p.Left, p.Bottom, p.Right, p.Bottom, axisPaint);
        canvas.DrawLine(p.Left, p.Top, p.Left, p.Bottom, axisPaint);

        if (legend)
        {
            float y = p.Top + 8;
            for (int ti = 0; ti < traces.Count; ti++)
            {
                if (traces[ti].Name is not { } name) continue;
                using var sw = new SKPaint { Color = Palette.SeriesColor(ti), StrokeWidth = 3, IsAntialias = true };
                float x = p.Right + 12;
                if (traces[ti] is LineTrace) canvas.DrawLine(x, y + 6, x + 20, y + 6, sw);
                else canvas.DrawRect(x + 4, y, 12, 12, sw);
                canvas.DrawText(name, x + 26, y + 11, SKTextAlign.Left, legendFont, textPaint);
                y += 20;
            }
        }
    }

    private static void AddWithErrors(List<double> into, double[] y, double[]? err)
    {
        for (int i = 0; i < y.Length; i++)
        {
            into.Add(y[i]);
            if (err is null || !double.IsFinite(err[i])) continue;
            into.Add(y[i] + err[i]);
            into.Add(y[i] - err[i]);
        }
    }

    private static void DrawLine(Ctx c, Axis xa, Axis ya, LineTrace l, SKColor color)
    {
        if (l.Low is { } low && l.Band) DrawBand(c, xa, ya, l.X, low, l.High!, color);
        using var paint = new SKPaint { Color = color, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeJoin = SKStrokeJoin.Round };
        paint.StrokeCap = SKStrokeCap.Round;
        // NaN (or <= 0 on a log axis) breaks the curve into separate runs, like plotly's gaps.
        var run = new List<SKPoint>();
        void Flush()
        {
            if (run.Count > 1) c.Canvas.DrawPoints(SKPointMode.Polygon, run.ToArray(), paint);
            run.Clear();
        }
        for (int i = 0; i < l.X.Length; i++)
        {
            if (!ya.Valid(l.Y[i]) || !double.IsFinite(l.X[i])) { Flush(); continue; }
            run.Add(new SKPoint(MapX(c, xa, l.X[i]), MapY(c, ya, l.Y[i])));
        }
        Flush();
        using var fill = new SKPaint { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };
        for (int i = 0; i < l.X.Length; i++)
        {
            if (!ya.Valid(l.Y[i]) || !double.IsFinite(l.X[i])) continue;
            float x = MapX(c, xa, l.X[i]), y = MapY(c, ya, l.Y[i]);
            if (l.Markers) c.Canvas.DrawCircle(x, y, 3.5f, fill);
            if (l.ErrorY is { } e && double.IsFinite(e[i])) DrawErrorBar(c, ya, x, l.Y[i], e[i], 4, color);
            if (l is { Low: { } lo, High: { } hi, Band: false } && ya.Valid(lo[i]) && ya.Valid(hi[i]))
                DrawWhisker(c, ya, x, lo[i], hi[i], 4, color);
        }
    }

    // The interval as a translucent polygon: along the upper edge, back along the lower one (points with an undefined
    // edge are left out).
    private static void DrawBand(Ctx c, Axis xa, Axis ya, double[] x, double[] low, double[] high, SKColor color)
    {
        var keep = Enumerable.Range(0, x.Length).Where(i => double.IsFinite(x[i]) && ya.Valid(low[i]) && ya.Valid(high[i])).ToArray();
        if (keep.Length < 2) return;
        using var builder = new SKPathBuilder();
        builder.MoveTo(MapX(c, xa, x[keep[0]]), MapY(c, ya, high[keep[0]]));
        foreach (int i in keep.Skip(1)) builder.LineTo(MapX(c, xa, x[i]), MapY(c, ya, high[i]));
        foreach (int i in keep.Reverse()) builder.LineTo(MapX(c, xa, x[i]), MapY(c, ya, low[i]));
        builder.Close();
        using var path = builder.Detach();
        using var fill = new SKPaint { Color = color.WithAlpha(51), Style = SKPaintStyle.Fill, IsAntialias = true };
        c.Canvas.DrawPath(path, fill);
    }

    private static void DrawWhisker(Ctx c, Axis ya, float x, double low, double high, float cap, SKColor color)
    {
        using var paint = new SKPaint { Color = color, StrokeWidth = 1.5f, IsAntialias = true };
        float top = MapY(c, ya, high), bottom = MapY(c, ya, low);
        c.Canvas.DrawLine(x, top, x, bottom, paint);
        c.Canvas.DrawLine(x - cap, top, x + cap, top, paint);
        c.Canvas.DrawLine(x - cap, bottom, x + cap, bottom, paint);
    }

    private static void DrawHistogram(Ctx c, Axis xa, Axis ya, HistogramTrace h, SKColor color)
    {
        using var fill = new SKPaint { Color = color.WithAlpha(200), Style = SKPaintStyle.Fill };
        using var edge = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = 0.5f };
        for (int i = 0; i < h.Counts.Length; i++)
        {
            if (!ya.Valid(h.Counts[i]) || h.Counts[i] <= 0) continue;
            var r = new SKRect(MapX(c, xa, h.Edges[i]), MapY(c, ya, h.Counts[i]), MapX(c, xa, h.Edges[i + 1]), MapY(c, ya, ya.Base));
            c.Canvas.DrawRect(r, fill);
            c.Canvas.DrawRect(r, edge);
        }
    }

    private static void DrawBars(Ctx c, Axis ya, BarTrace b, SKColor color, string[] categories, int group, int groups)
    {
        var p = c.Plot;
        float slot = p.Width / categories.Length;
        float barWidth = slot * 0.8f / groups;
        using var fill = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
        for (int i = 0; i < b.Categories.Length; i++)
        {
            if (!ya.Valid(b.Y[i])) continue;
            int k = Array.IndexOf(categories, b.Categories[i]);
            float x0 = p.Left + slot * k + slot * 0.1f + barWidth * group;
            float y0 = MapY(c, ya, ya.Base), y1 = MapY(c, ya, b.Y[i]);
            c.Canvas.DrawRect(new SKRect(x0, Math.Min(y0, y1), x0 + barWidth, Math.Max(y0, y1)), fill);
            if (b.ErrorY is { } e && double.IsFinite(e[i]))
                DrawErrorBar(c, ya, x0 + barWidth / 2, b.Y[i], e[i], Math.Min(barWidth * 0.25f, 8), AxisColor);
        }
    }

    private static void DrawErrorBar(Ctx c, Axis ya, float x, double y, double err, float cap, SKColor color)
    {
        using var paint = new SKPaint { Color = color, StrokeWidth = 1.5f, IsAntialias = true };
        float top = MapY(c, ya, y + err), bottom = MapY(c, ya, ya.Log ? Math.Max(y - err, ya.Min) : y - err);
        c.Canvas.DrawLine(x, top, x, bottom, paint);
        c.Canvas.DrawLine(x - cap, top, x + cap, top, paint);
        c.Canvas.DrawLine(x - cap, bottom, x + cap, bottom, paint);
    }

    // ---- heatmap ----

    private static void DrawHeatmap(Ctx c, HeatmapTrace m)
    {
        int rows = m.Z.GetLength(0), cols = m.Z.GetLength(1);
        using var tickFont = Fonts.Font(12);
        using var textPaint = new SKPaint { Color = TextColor, IsAntialias = true };
        string[] rowLabels = m.RowLabels ?? Enumerable.Range(0, rows).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        string[] colLabels = m.ColumnLabels ?? Enumerable.Range(0, cols).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        float left = 16 + rowLabels.Max(s => tickFont.MeasureText(s)) + (c.L.YTitle is null ? 0 : 22);
        bool rotate = colLabels.Max(s => tickFont.MeasureText(s)) > (c.L.Width - left - 100) / cols - 4;
        float bottom = 16 + (rotate ? Math.Min(colLabels.Max(s => tickFont.MeasureText(s)) * 0.72f + 16, 140) : 18) + (c.L.XTitle is null ? 0 : 22);
        c.Plot = new SKRect(left, c.L.Title is null ? 24 : 56, c.L.Width - 100, c.L.Height - bottom);
        var p = c.Plot;

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in m.Z) if (double.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (double.IsInfinity(lo)) { lo = 0; hi = 1; }
        double span = hi > lo ? hi - lo : 1;
        float cw = p.Width / cols, rh = p.Height / rows;
        using var cell = new SKPaint { Style = SKPaintStyle.Fill };
        for (int r = 0; r < rows; r++)
            for (int col = 0; col < cols; col++)
            {
                cell.Color = Palette.Viridis((m.Z[r, col] - lo) / span);
                // Cells overlap by a fraction of a pixel so no seams show between them.
                c.Canvas.DrawRect(new SKRect(p.Left + col * cw, p.Top + r * rh, p.Left + (col + 1) * cw + 0.5f, p.Top + (r + 1) * rh + 0.5f), cell);
            }

        int rowStep = Math.Max(1, (int)Math.Ceiling(rows * 16 / p.Height));
        for (int r = 0; r < rows; r += rowStep)
        {
            string s = rowLabels[r];
            c.Canvas.DrawText(s, p.Left - 6 - tickFont.MeasureText(s), p.Top + (r + 0.5f) * rh + 4, SKTextAlign.Left, tickFont, textPaint);
        }
        int colStep = rotate ? Math.Max(1, (int)Math.Ceiling(cols * 16 / p.Width)) : 1;
        for (int col = 0; col < cols; col += colStep)
        {
            string s = colLabels[col];
            float x = p.Left + (col + 0.5f) * cw;
            if (rotate)
            {
                c.Canvas.Save();
                c.Canvas.Translate(x + 4, p.Bottom + 10);
                c.Canvas.RotateDegrees(-45);
                c.Canvas.DrawText(s, -tickFont.MeasureText(s), 0, SKTextAlign.Left, tickFont, textPaint);
                c.Canvas.Restore();
            }
            else c.Canvas.DrawText(s, x - tickFont.MeasureText(s) / 2, p.Bottom + 16, SKTextAlign.Left, tickFont, textPaint);
        }

        // Colour bar.
        var bar = new SKRect(p.Right + 20, p.Top, p.Right + 36, p.Bottom);
        for (int i = 0; i < (int)bar.Height; i++)
        {
            cell.Color = Palette.Viridis(1 - i / Math.Max(bar.Height - 1, 1));
            c.Canvas.DrawRect(new SKRect(bar.Left, bar.Top + i, bar.Right, bar.Top + i + 1.5f), cell);
        }
        var axis = Axis.Make(new[] { lo, hi }, (lo, hi), log: false, pad: false);
        foreach (double v in axis.Ticks)
        {
            float y = (float)(bar.Bottom - (v - lo) / span * bar.Height);
            c.Canvas.DrawText(axis.Format(v), bar.Right + 4, y + 4, SKTextAlign.Left, tickFont, textPaint);
        }
    }

    // ---- titles ----

    private static void DrawTitles(Ctx c)
    {
        var p = c.Plot;
        using var textPaint = new SKPaint { Color = TextColor, IsAntialias = true };
        if (c.L.Title is { } title)
        {
            using var f = Fonts.Font(18);
            c.Canvas.DrawText(title, Math.Max(8, (c.L.Width - f.MeasureText(title)) / 2), 32, SKTextAlign.Left, f, textPaint);
        }
        using var af = Fonts.Font(14);
        if (c.L.XTitle is { } xt)
            c.Canvas.DrawText(xt, p.MidX - af.MeasureText(xt) / 2, c.L.Height - 10, SKTextAlign.Left, af, textPaint);
        if (c.L.YTitle is { } yt)
        {
            c.Canvas.Save();
            c.Canvas.Translate(18, p.MidY);
            c.Canvas.RotateDegrees(-90);
            c.Canvas.DrawText(yt, -af.MeasureText(yt) / 2, 0, SKTextAlign.Left, af, textPaint);
            c.Canvas.Restore();
        }
    }

    private static float MapX(Ctx c, Axis a, double v) => (float)(c.Plot.Left + a.Fraction(v) * c.Plot.Width);
    private static float MapY(Ctx c, Axis a, double v) => (float)(c.Plot.Bottom - a.Fraction(v) * c.Plot.Height);
}
