using MagvitSeg.Runtime;
using SkiaSharp;

namespace MagvitSeg.Viz;

/// <summary>An encoded PNG with its size: what image helpers return, notebooks display and runs save.</summary>
public sealed class PngImage
{
    public PngImage(byte[] bytes, int width, int height)
    {
        Bytes = bytes;
        Width = width;
        Height = height;
    }

    public byte[] Bytes { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Encodes <paramref name="bitmap"/> as PNG (lossless).</summary>
    public static PngImage Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return new PngImage(data.ToArray(), bitmap.Width, bitmap.Height);
    }

    /// <summary>Reads a PNG file (a saved figure) without re-encoding it.</summary>
    /// <exception cref="InvalidDataException">The file is not a decodable image (names it).</exception>
    public static PngImage Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var codec = SKCodec.Create(new MemoryStream(bytes)) ?? throw new InvalidDataException($"'{path}' is not a decodable image.");
        return new PngImage(bytes, codec.Info.Width, codec.Info.Height);
    }

    /// <summary>The PNG bytes as base64 (for image/png notebook outputs and data URIs).</summary>
    public string ToBase64() => Convert.ToBase64String(Bytes);

    /// <summary>Writes the PNG atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, Bytes);

    /// <summary>Decodes the PNG back to a bitmap (tests, further drawing).</summary>
    public SKBitmap Decode() => SKBitmap.Decode(Bytes) ?? throw new InvalidDataException("PngImage: bytes are not a decodable PNG.");
}
