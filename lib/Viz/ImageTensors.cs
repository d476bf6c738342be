using MagvitSeg.Data.Images;
using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>
/// Converts between model images (float, [C, H, W], values in [-1, 1]) and 8-bit RGB bitmaps/PNGs.
/// A value v maps to round((v + 1) * 127.5) (halves to even, as <see cref="ImageIo.ToByte"/>) clamped to [0, 255]; a byte b maps back to b / 127.5 - 1.
/// </summary>
public static class ImageTensors
{
    /// <summary>An opaque RGBA bitmap of the given size, black.</summary>
    public static SKBitmap NewBitmap(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"Image size {width}x{height} must be positive.");
        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bmp.Erase(SKColors.Black);
        return bmp;
    }

    /// <summary>Bitmap from a planar float array [channels, height, width] in [-1, 1]; 1 channel gives grey.</summary>
    public static SKBitmap ToBitmap(ReadOnlySpan<float> chw, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"Images have 1 or 3 channels, got {channels}.", nameof(channels));
        if (chw.Length != channels * height * width)
            throw new ArgumentException($"Image data has {chw.Length} values, expected {channels}x{height}x{width} = {channels * height * width}.");
        int plane = height * width;
        var rgba = new byte[plane * 4];
        for (int i = 0; i < plane; i++)
        {
            rgba[4 * i] = ToByte(chw[i]);
            rgba[4 * i + 1] = ToByte(chw[(channels == 3 ? plane : 0) + i]);
            rgba[4 * i + 2] = ToByte(chw[(channels == 3 ? 2 * plane : 0) + i]);
            rgba[4 * i + 3] = 255;
        }
        return FromRgba(rgba, width, height);
    }

    /// <summary>Bitmap from a tensor [C, H, W] (C = 1 or 3) in [-1, 1], on any device and dtype.</summary>
    public static SKBitmap ToBitmap(Tensor image)
    {
        if (image.dim() != 3) throw new ArgumentException($"Expected an image tensor [C, H, W], got shape [{string.Join(", ", image.shape)}].", nameof(image));
        using var cpu = image.detach().to(ScalarType.Float32).cpu().contiguous(); // [C, H, W]
        return ToBitmap(cpu.data<float>().ToArray(), (int)cpu.shape[0], (int)cpu.shape[1], (int)cpu.shape[2]);
    }

    /// <summary>PNG of a tensor [C, H, W] in [-1, 1].</summary>
    public static PngImage ToPng(Tensor image)
    {
        using var bmp = ToBitmap(image);
        return PngImage.Encode(bmp);
    }

    /// <summary>PNG of a planar float array [3, H, W] in [-1, 1].</summary>
    public static PngImage ToPng(float[] chw, int height, int width)
    {
        if (chw.Length != 3 * height * width)
            throw new ArgumentException($"Image data has {chw.Length} values, expected 3x{height}x{width} = {3 * height * width}.");
        return new PngImage(ImageIo.EncodePng(chw, height, width), width, height);
    }

    /// <summary>Planar floats [3, H, W] in [-1, 1] from a bitmap (the inverse of <see cref="ToBitmap(ReadOnlySpan{float}, int, int, int)"/>).</summary>
    public static float[] ToChw(SKBitmap bitmap)
    {
        int w = bitmap.Width, h = bitmap.Height, plane = w * h;
        var rgba = ToRgba(bitmap);
        var chw = new float[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++)
                chw[ch * plane + i] = rgba[4 * i + ch] / 127.5f - 1f;
        return chw;
    }

    /// <summary>The bitmap's pixels as RGBA bytes, row-major (converted if the bitmap is stored otherwise).</summary>
    public static byte[] ToRgba(SKBitmap bitmap)
    {
        using var converted = bitmap.ColorType == SKColorType.Rgba8888 && bitmap.AlphaType != SKAlphaType.Premul ? null : Convert(bitmap);
        var src = converted ?? bitmap;
        var rgba = new byte[src.Width * src.Height * 4];
        for (int y = 0; y < src.Height; y++)
            Marshal.Copy(src.GetPixels() + y * src.RowBytes, rgba, y * src.Width * 4, src.Width * 4);
        return rgba;
    }

    /// <summary>A bitmap from row-major RGBA bytes (alpha ignored: the result is opaque).</summary>
    public static SKBitmap FromRgba(byte[] rgba, int width, int height)
    {
        if (rgba.Length != width * height * 4) throw new ArgumentException($"RGBA data has {rgba.Length} bytes, expected {width}x{height}x4.");
        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            Marshal.Copy(rgba, y * width * 4, bmp.GetPixels() + y * bmp.RowBytes, width * 4);
        bmp.NotifyPixelsChanged();
        return bmp;
    }

    /// <summary>Nearest-neighbour upscaling by an integer factor (pixels stay crisp: small clips are 64x64).</summary>
    public static SKBitmap Upscale(SKBitmap bitmap, int factor)
    {
        if (factor < 1) throw new ArgumentException($"Scale factor must be >= 1, got {factor}.", nameof(factor));
        if (factor == 1) return bitmap.Copy();
        var src = ToRgba(bitmap);
        int w = bitmap.Width, h = bitmap.Height, W = w * factor, H = h * factor;
        var dst = new byte[W * H * 4];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                Buffer.BlockCopy(src, ((y / factor) * w + x / factor) * 4, dst, (y * W + x) * 4, 4);
        return FromRgba(dst, W, H);
    }

    private static SKBitmap Convert(SKBitmap bitmap)
    {
        var dst = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!bitmap.CopyTo(dst, SKColorType.Rgba8888))
            throw new InvalidDataException($"Cannot convert a {bitmap.ColorType} bitmap to RGBA.");
        return dst;
    }

    // One mapping for the whole project (ImageIo writes the dataset PNGs with it); NaN shows as black.
    private static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : ImageIo.ToByte(v);
}
