using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Evaluation;

/// <summary>Writes a PNG grid: for each clip a row of input frames above a row of reconstructed frames.</summary>
public static class ReconstructionGrid
{
    /// <summary>
    /// Saves up to <paramref name="maxClips"/> clips and <paramref name="maxFrames"/> frames of <paramref name="input"/>
    /// and <paramref name="output"/> ([B, 3, T, H, W] in [-1, 1]) to <paramref name="path"/> (atomic).
    /// </summary>
    public static void Save(Tensor input, Tensor output, string path, int maxClips = 2, int maxFrames = 8)
    {
        long b = Math.Min(maxClips, input.shape[0]), t = Math.Min(maxFrames, input.shape[2]);
        int h = (int)input.shape[3], w = (int)input.shape[4];
        const int gap = 2;
        int rows = (int)(2 * b), cols = (int)t;
        using var bitmap = new SKBitmap(cols * (w + gap) + gap, rows * (h + gap) + gap, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap)) canvas.Clear(SKColors.White);
        for (int clip = 0; clip < b; clip++)
        for (int kind = 0; kind < 2; kind++)
        {
            var source = kind == 0 ? input : output;
            // [T, H, W, 3] bytes
            using var frames = ((source[clip].narrow(1, 0, t).permute(1, 2, 3, 0).detach().cpu().clamp(-1, 1) + 1) * 127.5)
                .round().to_type(ScalarType.Byte).contiguous();
            var data = frames.data<byte>().ToArray();
            int row = clip * 2 + kind;
            for (int f = 0; f < t; f++)
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = ((f * h + y) * w + x) * 3;
                bitmap.SetPixel(gap + f * (w + gap) + x, gap + row * (h + gap) + y, new SKColor(data[i], data[i + 1], data[i + 2]));
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        using (var image = SKImage.FromBitmap(bitmap))
        using (var png = image.Encode(SKEncodedImageFormat.Png, 100))
        using (var file = File.Create(tmp))
            png.SaveTo(file);
        File.Move(tmp, path, overwrite: true);
    }
}
