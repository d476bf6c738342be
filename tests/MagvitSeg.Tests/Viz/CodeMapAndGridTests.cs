using MagvitSeg.Viz;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Viz;

public class CodeMapAndGridTests
{
    [Fact]
    public void CodeMapPaintsOneSquarePerCode()
    {
        using var bmp = CodeMap.ToBitmap(new long[] { 0, 5, 5, 7 }, 2, 2, scale: 3);
        Assert.Equal(6, bmp.Width);
        Assert.Equal(Palette.Distinct(0).WithAlpha(255), bmp.GetPixel(2, 2));
        Assert.Equal(Palette.Distinct(5).WithAlpha(255), bmp.GetPixel(3, 0));
        Assert.Equal(Palette.Distinct(5).WithAlpha(255), bmp.GetPixel(0, 5));
        Assert.Equal(Palette.Distinct(7).WithAlpha(255), bmp.GetPixel(5, 5));
        Assert.NotEqual(Palette.Distinct(5), Palette.Distinct(7));
    }

    [Fact]
    public void GridPlacesImagesWithTwoPixelGaps()
    {
        using var red = ImageTensors.FromRgba(new byte[] { 255, 0, 0, 255 }, 1, 1);
        using var blue = ImageTensors.FromRgba(new byte[] { 0, 0, 255, 255 }, 1, 1);
        using var grid = ImageGrid.Compose(new[] { new[] { red, blue }, new[] { blue, red } }, scale: 2);
        // width = 2 columns * (2 px + 2 gap) + 2 = 10; same height.
        Assert.Equal(10, grid.Width);
        Assert.Equal(10, grid.Height);
        Assert.Equal(SKColors.White, grid.GetPixel(0, 0));
        Assert.Equal(new SKColor(255, 0, 0), grid.GetPixel(2, 2));
        Assert.Equal(new SKColor(255, 0, 0), grid.GetPixel(3, 3));
        Assert.Equal(SKColors.White, grid.GetPixel(4, 2));
        Assert.Equal(new SKColor(0, 0, 255), grid.GetPixel(6, 2));
        Assert.Equal(new SKColor(0, 0, 255), grid.GetPixel(2, 6));
    }

    [Fact]
    public void ReconstructionGridHasTwoRowsOfFrames()
    {
        using var input = zeros(new long[] { 3, 4, 8, 8 });     // [3, T, H, W]
        using var output = ones(new long[] { 1, 3, 4, 8, 8 });  // [B, 3, T, H, W]
        var png = ImageGrid.Reconstruction(input, output, maxFrames: 3, scale: 2);
        using var bmp = png.Decode();
        // Images sit right of the row labels; the last column's bottom-right pixel is an output (white, 1 -> 255) frame pixel.
        Assert.Equal(new SKColor(255, 255, 255), bmp.GetPixel(bmp.Width - 3, bmp.Height - 3));
        Assert.Equal(new SKColor(128, 128, 128), bmp.GetPixel(bmp.Width - 3, bmp.Height - 3 - 18));
        Assert.Throws<ArgumentException>(() => ImageGrid.Reconstruction(input, zeros(new long[] { 3, 4, 4, 4 })));
        // Two clips: input/output rows per clip; the second clip's output row (the bottom one) shows its own frames.
        using var batchIn = zeros(new long[] { 2, 3, 4, 8, 8 });
        using var batchOut = cat(new[] { -ones(new long[] { 1, 3, 4, 8, 8 }), ones(new long[] { 1, 3, 4, 8, 8 }) }, 0);
        using var two = ImageGrid.Reconstruction(batchIn, batchOut, maxFrames: 3, scale: 2, maxClips: 2).Decode();
        using var one = ImageGrid.Reconstruction(batchIn, batchOut, maxFrames: 3, scale: 2, maxClips: 1).Decode();
        Assert.True(two.Height > one.Height + 30, $"{two.Height} vs {one.Height}");
        Assert.Equal(new SKColor(255, 255, 255), two.GetPixel(two.Width - 3, two.Height - 3));   // clip 1 output: +1
        Assert.Equal(new SKColor(0, 0, 0), one.GetPixel(one.Width - 3, one.Height - 3));         // clip 0 output: -1
    }
}
