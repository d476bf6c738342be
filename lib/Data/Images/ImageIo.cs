using MagvitSeg.Runtime;
using SkiaSharp;

namespace MagvitSeg.Data.Images;

/// <summary>PNG encoding and image decoding with SkiaSharp; planar float images in [-1, 1] as the models use them.</summary>
public static class ImageIo
{
    /// <summary>Encodes a planar RGB image [3, H, W] (values in [-1, 1], at <paramref name="offset"/> with plane stride <paramref name="planeStride"/>) as PNG bytes.</summary>
    public static byte[] EncodePng(ReadOnlySpan<float> chw, int h, int w, int offset = 0, int planeStride = -1)
    {
        if (planeStride < 0) planeStride = h * w;
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var px = new byte[h * w * 4];
        for (int i = 0; i < h * w; i++)
        {
            px[i * 4] = ToByte(chw[offset + i]);
            px[i * 4 + 1] = ToByte(chw[offset + planeStride + i]);
            px[i * 4 + 2] = ToByte(chw[offset + 2 * planeStride + i]);
            px[i * 4 + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(px, 0, bmp.GetPixels(), px.Length);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes an RGBA8888 pixel buffer (row-major) as a PNG, atomically.</summary>
    public static void SaveRgbaPng(string path, byte[] rgba, int w, int h)
    {
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bmp.GetPixels(), rgba.Length);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>Maps [-1, 1] to a byte.</summary>
    public static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round((v + 1f) * 127.5f), 0, 255);

    /// <summary>Width and height from the file's header only (no pixel decoding; a truncated body is not noticed).</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable JPEG/PNG (names it).</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image '{path}' does not exist.", path);
        using var codec = SKCodec.Create(path)
                          ?? throw new InvalidDataException($"Image '{path}' is not a readable JPEG/PNG (corrupt or not an image). Replace or remove it.");
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>
    /// Decodes an image file to RGBA8888 row-major pixels.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image (corrupt or truncated); the message names it.</exception>
    public static (byte[] Rgba, int Width, int Height) Decode(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image '{path}' does not exist.", path);
        using var codec = SKCodec.Create(path);
        if (codec is null) throw new InvalidDataException($"Image '{path}' is not a readable JPEG/PNG (corrupt or not an image). Replace or remove it.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bmp = new SKBitmap(info);
        var result = codec.GetPixels(info, bmp.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"Image '{path}' could not be fully decoded ({result}): the file is truncated or corrupt. Replace or remove it.");
        return (bmp.Bytes, info.Width, info.Height);
    }
}
