using MagvitSeg.Viz;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Viz;

public class MaskOverlayTests
{
    private static SKBitmap Grey4x4()
    {
        var rgba = new byte[4 * 4 * 4];
        for (int i = 0; i < 16; i++) { rgba[4 * i] = 100; rgba[4 * i + 1] = 150; rgba[4 * i + 2] = 200; rgba[4 * i + 3] = 255; }
        return ImageTensors.FromRgba(rgba, 4, 4);
    }

    // 3x3 block in the bottom-right corner (rows 1-3, columns 1-3).
    private static bool[] Block()
    {
        var m = new bool[16];
        for (int y = 1; y < 4; y++) for (int x = 1; x < 4; x++) m[y * 4 + x] = true;
        return m;
    }

    [Fact]
    public void InteriorPixelIsTheAlphaBlendComputedByHand()
    {
        using var image = Grey4x4();
        using var drawn = MaskOverlay.Draw(image, new[] { new InstanceOverlay(Block(), null, new SKColor(255, 0, 0)) }, alpha: 0.5f);
        // (2, 2): all four neighbours inside -> blend: R 0.5*100 + 0.5*255 = 177.5 -> 178, G 75, B 100.
        Assert.Equal(new SKColor(178, 75, 100), drawn.GetPixel(2, 2));
        // (3, 3): on the image border but its in-image neighbours are inside: still interior, blended.
        Assert.Equal(new SKColor(178, 75, 100), drawn.GetPixel(3, 3));
        // (1, 1): left and top neighbours outside -> outline, the colour itself.
        Assert.Equal(new SKColor(255, 0, 0), drawn.GetPixel(1, 1));
        // (0, 0): outside the mask -> untouched.
        Assert.Equal(new SKColor(100, 150, 200), drawn.GetPixel(0, 0));
    }

    [Fact]
    public void AlphaQuarterWithoutOutline()
    {
        using var image = Grey4x4();
        using var drawn = MaskOverlay.Draw(image, new[] { new InstanceOverlay(Block(), null, new SKColor(0, 0, 255)) }, alpha: 0.25f, outline: false);
        // R 0.75*100 = 75, G 0.75*150 = 112.5 -> 113, B 0.75*200 + 0.25*255 = 213.75 -> 214.
        Assert.Equal(new SKColor(75, 113, 214), drawn.GetPixel(1, 1));
    }

    [Fact]
    public void TensorOverloadDrawsEachMaskWithALabel()
    {
        using var image = zeros(new long[] { 3, 32, 32 });   // [3, H, W] mid-grey (0 -> 128)
        using var masks = zeros(new long[] { 2, 32, 32 }, dtype: ScalarType.Bool); // [N, H, W]
        masks[0, TensorIndex.Slice(20, 30), TensorIndex.Slice(20, 30)] = tensor(true);
        masks[1, TensorIndex.Slice(2, 6), TensorIndex.Slice(2, 6)] = tensor(true);
        var png = MaskOverlay.Draw(image, masks, new[] { "cat", "dog" }, alpha: 0.5f);
        using var bmp = png.Decode();
        var c = Palette.Distinct(0);
        byte Half(byte over) => (byte)Math.Round(0.5 * 128 + 0.5 * over, MidpointRounding.AwayFromZero);
        Assert.Equal(new SKColor(Half(c.Red), Half(c.Green), Half(c.Blue)), bmp.GetPixel(27, 27));
        Assert.Equal(new SKColor(128, 128, 128), bmp.GetPixel(15, 31));
    }

    [Fact]
    public void MaskOfWrongSizeNamesTheInstance()
    {
        using var image = Grey4x4();
        var e = Assert.Throws<ArgumentException>(() => MaskOverlay.Draw(image, new[] { new InstanceOverlay(new bool[15], "person") }));
        Assert.Contains("person", e.Message);
    }
}
