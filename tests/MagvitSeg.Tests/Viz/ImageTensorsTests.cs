using MagvitSeg.Viz;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Viz;

public class ImageTensorsTests
{
    // A 2x2 RGB image, planar [3, 2, 2], values in [-1, 1].
    private static readonly float[] Chw =
    {
        -1f, 1f, 0f, 0.5f,      // R
        -0.5f, 2f, -3f, 0.25f,  // G (2 and -3 are out of range: clamped)
        1f, -1f, 0.1f, -0.25f,  // B
    };

    // By hand: byte = clamp(round((v + 1) * 127.5)), halves to even (127.5 -> 128).
    // R: -1 -> 0, 1 -> 255, 0 -> 127.5 -> 128, 0.5 -> 191.25 -> 191
    // G: -0.5 -> 63.75 -> 64, 2 -> 382.5 -> 255, -3 -> -255 -> 0, 0.25 -> 159.375 -> 159
    // B: 1 -> 255, -1 -> 0, 0.1 -> 140.25 -> 140, -0.25 -> 95.625 -> 96
    private static readonly (byte R, byte G, byte B)[] Expected =
    {
        (0, 64, 255), (255, 255, 0), (128, 0, 140), (191, 159, 96),
    };

    [Fact]
    public void TwoByTwoImageSurvivesPngRoundTripPixelExact()
    {
        var png = ImageTensors.ToPng(Chw, 2, 2);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Bytes[..4]);
        using var decoded = png.Decode();
        Assert.Equal(2, decoded.Width);
        Assert.Equal(2, decoded.Height);
        for (int i = 0; i < 4; i++)
        {
            var c = decoded.GetPixel(i % 2, i / 2);
            Assert.Equal(Expected[i], (c.Red, c.Green, c.Blue));
            Assert.Equal(255, c.Alpha);
        }
        // And back to floats: b / 127.5 - 1.
        var back = ImageTensors.ToChw(decoded);
        Assert.Equal(-1f, back[0]);
        Assert.Equal(1f, back[1]);
        Assert.Equal(128 / 127.5f - 1f, back[2], 6);
        Assert.Equal(64 / 127.5f - 1f, back[4], 6);
    }

    [Fact]
    public void TensorAndArrayGiveTheSamePixels()
    {
        using var t = tensor(Chw).reshape(3, 2, 2); // [3, H, W]
        using var fromTensor = ImageTensors.ToBitmap(t);
        for (int i = 0; i < 4; i++)
        {
            var c = fromTensor.GetPixel(i % 2, i / 2);
            Assert.Equal(Expected[i], (c.Red, c.Green, c.Blue));
        }
    }

    [Fact]
    public void GreyImageRepeatsTheChannel()
    {
        using var bmp = ImageTensors.ToBitmap(new[] { 0f }, 1, 1, 1);
        Assert.Equal(new SKColor(128, 128, 128), bmp.GetPixel(0, 0));
    }

    [Fact]
    public void UpscaleRepeatsPixels()
    {
        using var bmp = ImageTensors.ToBitmap(Chw, 3, 2, 2);
        using var up = ImageTensors.Upscale(bmp, 3);
        Assert.Equal(6, up.Width);
        Assert.Equal(bmp.GetPixel(1, 0), up.GetPixel(5, 2));
        Assert.Equal(bmp.GetPixel(0, 1), up.GetPixel(2, 3));
    }

    [Fact]
    public void WrongSizeIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageTensors.ToBitmap(new float[11], 3, 2, 2));
        Assert.Contains("3x2x2", e.Message);
        using var bad = zeros(new long[] { 2, 2 });
        Assert.Throws<ArgumentException>(() => ImageTensors.ToBitmap(bad));
    }
}
