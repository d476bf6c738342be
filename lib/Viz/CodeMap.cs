using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>A token/code map [h, w] as a colour image: one fixed colour per code id (<see cref="Palette.Distinct"/>).</summary>
public static class CodeMap
{
    /// <summary>Bitmap of <paramref name="codes"/> (row-major, <paramref name="height"/> x <paramref name="width"/>), each code a <paramref name="scale"/>-pixel square.</summary>
    public static SKBitmap ToBitmap(ReadOnlySpan<long> codes, int height, int width, int scale = 8)
    {
        if (codes.Length != height * width) throw new ArgumentException($"Code map has {codes.Length} codes, expected {height}x{width}.");
        var rgba = new byte[height * width * 4];
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] < 0) throw new ArgumentException($"Code map position {i} holds a negative code {codes[i]}.");
            var c = Palette.Distinct((int)codes[i]);
            rgba[4 * i] = c.Red; rgba[4 * i + 1] = c.Green; rgba[4 * i + 2] = c.Blue; rgba[4 * i + 3] = 255;
        }
        using var small = ImageTensors.FromRgba(rgba, width, height);
        return ImageTensors.Upscale(small, scale);
    }

    /// <summary>PNG of a code tensor [h, w] (integer dtype).</summary>
    public static PngImage ToPng(Tensor codes, int scale = 8)
    {
        if (codes.dim() != 2) throw new ArgumentException($"Expected a code map [h, w], got [{string.Join(", ", codes.shape)}].", nameof(codes));
        using var cpu = codes.detach().to(ScalarType.Int64).cpu().contiguous(); // [h, w]
        using var bmp = ToBitmap(cpu.data<long>().ToArray(), (int)codes.shape[0], (int)codes.shape[1], scale);
        return PngImage.Encode(bmp);
    }
}
