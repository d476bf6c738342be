using System.Globalization;
using System.Text;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>
/// Clips that play in a notebook without a video or GIF encoder: each clip is one PNG strip of its frames side by
/// side, shown through a frame-sized box whose background position steps through the strip with a CSS animation.
/// </summary>
public static class ClipAnimation
{
    private static int _next;

    /// <summary>
    /// HTML playing the first <paramref name="maxClips"/> clips of <paramref name="clips"/> ([B, 3, T, H, W] or
    /// [3, T, H, W], values in [-1, 1]) side by side, looping at <paramref name="fps"/> frames per second.
    /// </summary>
    public static string Html(Tensor clips, int maxClips = 4, int scale = 2, double fps = 8, IReadOnlyList<string>? captions = null)
    {
        if (!(fps > 0)) throw new ArgumentException($"fps must be positive, got {fps}.", nameof(fps));
        if (clips.dim() is not (4 or 5)) throw new ArgumentException($"Expected clips [B, 3, T, H, W] or one clip [3, T, H, W], got [{string.Join(", ", clips.shape)}].", nameof(clips));
        int n = clips.dim() == 4 ? 1 : (int)Math.Min(clips.shape[0], maxClips);
        if (captions is not null && captions.Count < n) throw new ArgumentException($"{captions.Count} captions for {n} clips.", nameof(captions));
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("<div style=\"display:flex;gap:8px;flex-wrap:wrap;align-items:flex-start\">");
        for (int i = 0; i < n; i++)
        {
            var clip = clips.dim() == 4 ? clips : clips[i]; // [3, T, H, W]
            PngImage strip;
            int frames, w, h;
            try { (strip, frames, w, h) = Strip(clip, scale); }
            finally { if (!ReferenceEquals(clip, clips)) clip.Dispose(); }
            string id = $"magvitseg-clip-{Interlocked.Increment(ref _next)}";
            double seconds = frames / fps;
            sb.Append(ci, $"<figure style=\"margin:0\"><div class=\"{id}\" style=\"width:{w}px;height:{h}px;")
              .Append("background-image:url(data:image/png;base64,").Append(strip.ToBase64()).Append(");background-repeat:no-repeat;")
              .Append(ci, $"image-rendering:pixelated;animation:{id} {seconds:0.###}s steps({frames}) infinite\"></div>")
              .Append(ci, $"<style>@keyframes {id} {{ from {{ background-position: 0 0; }} to {{ background-position: -{frames * w}px 0; }} }}</style>");
            if (captions is not null)
                sb.Append("<figcaption style=\"font:12px sans-serif;text-align:center\">").Append(System.Net.WebUtility.HtmlEncode(captions[i])).Append("</figcaption>");
            sb.Append("</figure>");
        }
        return sb.Append("</div>").ToString();
    }

    /// <summary>One clip [3, T, H, W] as a gapless horizontal strip of its frames, each upscaled by <paramref name="scale"/>.</summary>
    public static (PngImage Strip, int Frames, int FrameWidth, int FrameHeight) Strip(Tensor clip, int scale)
    {
        var frames = ImageGrid.Frames(clip, int.MaxValue);
        try
        {
            int w = frames[0].Width * scale, h = frames[0].Height * scale;
            using var strip = new SKBitmap(new SKImageInfo(w * frames.Count, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using (var canvas = new SKCanvas(strip))
            {
                for (int t = 0; t < frames.Count; t++)
                {
                    using var up = ImageTensors.Upscale(frames[t], scale);
                    canvas.DrawBitmap(up, t * w, 0, new SKSamplingOptions(SKFilterMode.Nearest), null);
                }
                canvas.Flush();
            }
            return (PngImage.Encode(strip), frames.Count, w, h);
        }
        finally { foreach (var f in frames) f.Dispose(); }
    }
}
