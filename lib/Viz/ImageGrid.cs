using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>
/// Grids of images with row and column labels: reconstruction grids (input row over output row, one
/// column per frame) and frame strips of clips.
/// </summary>
public static class ImageGrid
{
    private const int Gap = 2;

    /// <summary>
    /// Lays out <paramref name="rows"/> (each a list of equally sized bitmaps) on a white canvas, each image
    /// upscaled by <paramref name="scale"/> (nearest neighbour). Labels go left of rows and above columns.
    /// </summary>
    public static SKBitmap Compose(IReadOnlyList<IReadOnlyList<SKBitmap>> rows, IReadOnlyList<string>? rowLabels = null,
                                   IReadOnlyList<string>? columnLabels = null, int scale = 1)
    {
        if (rows.Count == 0 || rows.Any(r => r.Count == 0)) throw new ArgumentException("An image grid needs at least one image in every row.", nameof(rows));
        if (rowLabels is not null && rowLabels.Count != rows.Count) throw new ArgumentException($"{rowLabels.Count} row labels for {rows.Count} rows.", nameof(rowLabels));
        int cols = rows.Max(r => r.Count);
        if (columnLabels is not null && columnLabels.Count != cols) throw new ArgumentException($"{columnLabels.Count} column labels for {cols} columns.", nameof(columnLabels));
        int cw = rows.SelectMany(r => r).Max(b => b.Width) * scale, ch = rows.SelectMany(r => r).Max(b => b.Height) * scale;

        using var font = Fonts.Font(13);
        float left = rowLabels is null ? 0 : rowLabels.Max(s => font.MeasureText(s)) + 10;
        float top = columnLabels is null ? 0 : 20;
        int width = (int)Math.Ceiling(left) + cols * (cw + Gap) + Gap, height = (int)top + rows.Count * (ch + Gap) + Gap;
        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = new SKColor(42, 42, 42), IsAntialias = true };
        for (int r = 0; r < rows.Count; r++)
        {
            float y = top + Gap + r * (ch + Gap);
            if (rowLabels is not null) canvas.DrawText(rowLabels[r], 4, y + ch / 2f + 5, SKTextAlign.Left, font, text);
            for (int c = 0; c < rows[r].Count; c++)
            {
                float x = (float)Math.Ceiling(left) + Gap + c * (cw + Gap);
                using var up = ImageTensors.Upscale(rows[r][c], scale);
                canvas.DrawBitmap(up, x, y, new SKSamplingOptions(SKFilterMode.Nearest), null);
            }
        }
        if (columnLabels is not null)
            for (int c = 0; c < cols; c++)
            {
                float x = (float)Math.Ceiling(left) + Gap + c * (cw + Gap) + cw / 2f;
                canvas.DrawText(columnLabels[c], x - font.MeasureText(columnLabels[c]) / 2, 15, SKTextAlign.Left, font, text);
            }
        canvas.Flush();
        return result;
    }

    /// <summary>
    /// Input frames over reconstructed frames. <paramref name="input"/> and <paramref name="output"/> are clips
    /// [3, T, H, W] or batches [B, 3, T, H, W] (the first <paramref name="maxClips"/> clips, each an input row over an
    /// output row) in [-1, 1]; at most <paramref name="maxFrames"/> columns.
    /// </summary>
    public static PngImage Reconstruction(Tensor input, Tensor output, int maxFrames = 8, int scale = 2, int maxClips = 1)
    {
        long clips = Math.Max(1, Math.Min(maxClips, Math.Min(Clips(input), Clips(output))));
        var rows = new List<IReadOnlyList<SKBitmap>>();
        var labels = new List<string>();
        try
        {
            for (long c = 0; c < clips; c++)
            {
                using var x = Clip(input, c);
                using var y = Clip(output, c);
                var a = Frames(x, maxFrames);
                rows.Add(a);
                var b = Frames(y, maxFrames);
                rows.Add(b);
                if (a.Count != b.Count || a[0].Width != b[0].Width || a[0].Height != b[0].Height)
                    throw new ArgumentException($"Input clip [{string.Join(", ", input.shape)}] and output clip [{string.Join(", ", output.shape)}] differ in shape.");
                labels.Add(clips == 1 ? "input" : $"input {c}");
                labels.Add(clips == 1 ? "output" : $"output {c}");
            }
            using var grid = Compose(rows, labels, Enumerable.Range(0, rows[0].Count).Select(t => $"t={t}").ToArray(), scale);
            return PngImage.Encode(grid);
        }
        finally { foreach (var f in rows.SelectMany(r => r)) f.Dispose(); }
    }

    private static long Clips(Tensor t) => t.dim() == 5 ? t.shape[0] : 1;

    private static Tensor Clip(Tensor t, long c) => t.dim() == 5 ? t[c] : t.alias();

    /// <summary>A clip [3, T, H, W] (or [B, 3, T, H, W]) in [-1, 1] as one row of frames.</summary>
    public static PngImage FrameStrip(Tensor clip, int maxFrames = 16, int scale = 2, string? label = null)
    {
        var frames = Frames(clip, maxFrames);
        try
        {
            using var grid = Compose(new[] { frames }, label is null ? null : new[] { label },
                                     Enumerable.Range(0, frames.Count).Select(t => $"t={t}").ToArray(), scale);
            return PngImage.Encode(grid);
        }
        finally { foreach (var f in frames) f.Dispose(); }
    }

    /// <summary>The first <paramref name="maxFrames"/> frames of a clip as bitmaps.</summary>
    public static List<SKBitmap> Frames(Tensor clip, int maxFrames)
    {
        using var scope = NewDisposeScope();
        var c = clip.dim() == 5 ? clip[0] : clip; // [3, T, H, W]
        if (c.dim() != 4 || c.shape[0] is not (1 or 3))
            throw new ArgumentException($"Expected a clip [C, T, H, W] or [B, C, T, H, W] with C = 1 or 3, got [{string.Join(", ", clip.shape)}].", nameof(clip));
        int t = (int)Math.Min(c.shape[1], maxFrames);
        var list = new List<SKBitmap>(t);
        for (int i = 0; i < t; i++) list.Add(ImageTensors.ToBitmap(c.select(1, i))); // [C, H, W]
        return list;
    }
}
