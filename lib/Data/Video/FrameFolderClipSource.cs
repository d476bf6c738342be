using MagvitSeg.Data.Images;
using SkiaSharp;

namespace MagvitSeg.Data.Video;

/// <summary>
/// Training clips from folders of frames (jpg/png, in file-name order), one folder per video: the sub-folders of the
/// root, or the root itself when it holds frames. A missing, corrupt or truncated frame makes its whole video unusable
/// (skipped and reported, naming the frame), never a clip with a garbage frame.
/// </summary>
public sealed class FrameFolderClipSource(string root, ClipSampling config, long maxCacheBytes = 2L << 30)
    : DecodedClipSource("frames", Find(root), config, maxCacheBytes)
{
    /// <summary>Extensions treated as frames.</summary>
    public static readonly string[] Extensions = { ".jpg", ".jpeg", ".png" };

    private static bool IsFrame(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The video folders under <paramref name="root"/>: itself if it holds frames, else its sub-folders that do (sorted).</summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    public static IReadOnlyList<string> Find(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Frame folder '{root}' does not exist.");
        if (Directory.EnumerateFiles(root).Any(IsFrame)) return new[] { root };
        var found = Directory.EnumerateDirectories(root).Where(d => Directory.EnumerateFiles(d).Any(IsFrame))
            .OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (found.Count == 0)
            throw new InvalidDataException($"Frame folder '{root}' holds no {string.Join('/', Extensions)} frames, neither itself nor in a sub-folder (expected one sub-folder of frames per video).");
        return found;
    }

    /// <inheritdoc/>
    protected override DecodedVideo DecodeItem(string item, int shortSide) => DecodeFolder(item, shortSide);

    /// <summary>Decodes every frame of a folder at the working size fitted to its first frame.</summary>
    /// <exception cref="InvalidDataException">No frames, a frame unreadable, or frames of different sizes (names the file).</exception>
    public static DecodedVideo DecodeFolder(string folder, int shortSide)
    {
        var files = Directory.EnumerateFiles(folder).Where(IsFrame).OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidDataException($"{folder}: holds no jpg/png frames.");
        int w0 = 0, h0 = 0, h = 0, w = 0;
        byte[]? rgb = null;
        for (int i = 0; i < files.Count; i++)
        {
            var (rgba, fw, fh) = ImageIo.Decode(files[i]);
            if (i == 0)
            {
                (w0, h0) = (fw, fh);
                (h, w) = WorkingSize.Fit(fh, fw, shortSide);
                rgb = new byte[(long)files.Count * h * w * 3];
            }
            else if (fw != w0 || fh != h0)
                throw new InvalidDataException($"{files[i]}: is {fw}x{fh}, but the first frame of '{folder}' is {w0}x{h0}.");
            ResizeToRgb(rgba, fw, fh, w, h, rgb.AsSpan((int)((long)i * h * w * 3), h * w * 3));
        }
        return new DecodedVideo(folder, files.Count, h, w, rgb!);
    }

    private static void ResizeToRgb(byte[] rgba, int fw, int fh, int w, int h, Span<byte> rgb)
    {
        using var src = new SKBitmap(new SKImageInfo(fw, fh, SKColorType.Rgba8888, SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, src.GetPixels(), rgba.Length);
        using var dst = src.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                        ?? throw new InvalidDataException($"frame resize to {w}x{h} failed");
        var px = dst.GetPixelSpan();
        for (int p = 0; p < w * h; p++) { rgb[3 * p] = px[4 * p]; rgb[3 * p + 1] = px[4 * p + 1]; rgb[3 * p + 2] = px[4 * p + 2]; }
    }

    /// <inheritdoc/>
    public override string ToString() => $"frames({Items.Count} folders, {Config.Frames}x{Config.Height}x{Config.Width}, stride {Config.Stride})";
}
