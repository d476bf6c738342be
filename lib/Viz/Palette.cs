using SkiaSharp;

namespace MagvitSeg.Viz;

/// <summary>Colours shared by the HTML and PNG renderers, so a series has the same colour in both.</summary>
public static class Palette
{
    /// <summary>plotly.js's default qualitative colours (D3 category10), as "#rrggbb".</summary>
    public static readonly string[] Series =
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };

    /// <summary>The colour of series <paramref name="index"/> (wraps around).</summary>
    public static SKColor SeriesColor(int index) => SKColor.Parse(Series[((index % Series.Length) + Series.Length) % Series.Length]);

    // Viridis control points (matplotlib's viridis at 0, 1/8, ..., 1), linearly interpolated in between.
    private static readonly (byte R, byte G, byte B)[] ViridisStops =
    {
        (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
        (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37),
    };

    /// <summary>Viridis at <paramref name="t"/> in [0, 1] (clamped).</summary>
    public static SKColor Viridis(double t)
    {
        if (double.IsNaN(t)) return new SKColor(200, 200, 200);
        t = Math.Clamp(t, 0, 1) * (ViridisStops.Length - 1);
        int i = Math.Min((int)Math.Floor(t), ViridisStops.Length - 2);
        double f = t - i;
        var a = ViridisStops[i];
        var b = ViridisStops[i + 1];
        return new SKColor(Lerp(a.R, b.R, f), Lerp(a.G, b.G, f), Lerp(a.B, b.B, f));
    }

    /// <summary>The plotly colorscale matching <see cref="Viridis"/>: [[position, "rgb(r,g,b)"], ...].</summary>
    internal static IEnumerable<(double Position, string Color)> ViridisScale() =>
        ViridisStops.Select((c, i) => ((double)i / (ViridisStops.Length - 1), $"rgb({c.R},{c.G},{c.B})"));

    /// <summary>A distinct colour per integer id (golden-ratio hue steps), for instances and token codes.</summary>
    public static SKColor Distinct(int id)
    {
        double hue = (id * 0.618033988749895) % 1.0 * 360.0;
        float sat = 65 + (id % 3) * 12;
        float val = 95 - (id / 3 % 3) * 15;
        return SKColor.FromHsv((float)hue, sat, val);
    }

    private static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
