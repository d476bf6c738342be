using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>One instance to draw: a boolean mask (row-major, image size), a label and an optional colour.</summary>
/// <param name="Mask">Row-major H*W booleans, true inside the instance.</param>
/// <param name="Label">Text drawn at the instance's top-left corner (class name, score); null draws none.</param>
/// <param name="Color">Fill/outline colour; null picks <see cref="Palette.Distinct"/> by the instance's index.</param>
public sealed record InstanceOverlay(bool[] Mask, string? Label = null, SKColor? Color = null);

/// <summary>
/// Instance masks over an image: each mask pixel becomes round((1 - alpha) * image + alpha * colour) per
/// channel, mask pixels with a 4-neighbour outside the mask (the outline) take the colour itself, and the
/// label sits on a dark box at the top-left of the mask's bounding box. Later instances draw over earlier ones.
/// </summary>
public static class MaskOverlay
{
    /// <summary>A new bitmap: <paramref name="image"/> with <paramref name="instances"/> drawn over it.</summary>
    public static SKBitmap Draw(SKBitmap image, IReadOnlyList<InstanceOverlay> instances, float alpha = 0.45f, bool outline = true)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"alpha must be in [0, 1], got {alpha}.", nameof(alpha));
        int w = image.Width, h = image.Height;
        var rgba = ImageTensors.ToRgba(image);
        var boxes = new List<(SKRectI Box, string Label, SKColor Color)>();
        for (int k = 0; k < instances.Count; k++)
        {
            var inst = instances[k];
            if (inst.Mask.Length != w * h)
                throw new ArgumentException($"Instance {k} ('{inst.Label}'): mask has {inst.Mask.Length} pixels, the image {w}x{h} = {w * h}.");
            var color = inst.Color ?? Palette.Distinct(k);
            int x0 = w, y0 = h, x1 = -1, y1 = -1;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    if (!inst.Mask[i]) continue;
                    x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
                    // An instance touching the image border has no outline there: the border is not its boundary.
                    bool edge = outline && ((x > 0 && !inst.Mask[i - 1]) || (x < w - 1 && !inst.Mask[i + 1]) ||
                                            (y > 0 && !inst.Mask[i - w]) || (y < h - 1 && !inst.Mask[i + w]));
                    rgba[4 * i] = edge ? color.Red : Blend(rgba[4 * i], color.Red, alpha);
                    rgba[4 * i + 1] = edge ? color.Green : Blend(rgba[4 * i + 1], color.Green, alpha);
                    rgba[4 * i + 2] = edge ? color.Blue : Blend(rgba[4 * i + 2], color.Blue, alpha);
                }
            if (x1 >= 0 && inst.Label is { Length: > 0 } label) boxes.Add((new SKRectI(x0, y0, x1, y1), label, color));
        }
        var result = ImageTensors.FromRgba(rgba, w, h);
        if (boxes.Count == 0) return result;
        using var canvas = new SKCanvas(result);
        using var font = Fonts.Font(Math.Clamp(h / 24f, 9, 16));
        using var back = new SKPaint { Color = new SKColor(0, 0, 0, 170), Style = SKPaintStyle.Fill };
        using var text = new SKPaint { IsAntialias = true };
        foreach (var (box, label, color) in boxes)
        {
            float tw = font.MeasureText(label), th = font.Size + 3;
            float x = Math.Min(box.Left, Math.Max(0, w - tw - 4)), y = Math.Max(0, box.Top - th);
            canvas.DrawRect(x, y, tw + 4, th, back);
            text.Color = color.WithAlpha(255);
            canvas.DrawText(label, x + 2, y + font.Size, SKTextAlign.Left, font, text);
        }
        canvas.Flush();
        return result;
    }

    /// <summary>
    /// Overlay from tensors: <paramref name="image"/> [3, H, W] in [-1, 1], <paramref name="masks"/> [N, H, W]
    /// (bool, or any dtype where nonzero = inside), one label per mask.
    /// </summary>
    public static PngImage Draw(Tensor image, Tensor masks, IReadOnlyList<string>? labels = null, float alpha = 0.45f)
    {
        if (masks.dim() != 3) throw new ArgumentException($"Expected masks [N, H, W], got [{string.Join(", ", masks.shape)}].", nameof(masks));
        int n = (int)masks.shape[0];
        if (labels is not null && labels.Count != n) throw new ArgumentException($"{labels.Count} labels for {n} masks.", nameof(labels));
        using var cpu = masks.detach().ne(0).cpu().contiguous(); // [N, H, W] bool
        var flat = cpu.data<bool>().ToArray();
        int plane = (int)(masks.shape[1] * masks.shape[2]);
        var list = Enumerable.Range(0, n).Select(k => new InstanceOverlay(flat.AsSpan(k * plane, plane).ToArray(), labels?[k])).ToArray();
        using var bmp = ImageTensors.ToBitmap(image);
        if (bmp.Width * bmp.Height != plane) throw new ArgumentException($"Image [{string.Join(", ", image.shape)}] and masks [{string.Join(", ", masks.shape)}] differ in size.");
        using var drawn = Draw(bmp, list, alpha);
        return PngImage.Encode(drawn);
    }

    internal static byte Blend(byte under, byte over, float alpha) =>
        (byte)Math.Round((1 - alpha) * under + alpha * over, MidpointRounding.AwayFromZero);
}
