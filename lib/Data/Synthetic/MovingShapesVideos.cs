using System.Text.Json;
using MagvitSeg.Data.Images;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;

namespace MagvitSeg.Data.Synthetic;

/// <summary>How exported MovingShapes videos are stored.</summary>
public enum VideoExportFormat
{
    /// <summary>One folder of PNG frames per video (lossless; readable by <see cref="FrameFolderClipSource"/>).</summary>
    Frames,
    /// <summary>One H.264 mp4 per video through ffmpeg (readable by <see cref="VideoClipSource"/>).</summary>
    Mp4,
}

/// <summary>
/// Writes MovingShapes videos to disk: <c>videos/NNNNNN/TTT.png</c> (or <c>videos/NNNNNN.mp4</c>), and with each video its
/// exact instance masks, <c>masks/NNNNNN/TTT.png</c> (pixel value = object k, 0 = background, in all three channels)
/// plus <c>masks/NNNNNN/objects.json</c> (object k -> COCO category id and name).
/// </summary>
public static class MovingShapesVideos
{
    /// <summary>Exports clips 0..count-1 of <paramref name="split"/>; returns the videos folder.</summary>
    public static string Export(MovingShapes gen, string dir, int count, VideoExportFormat format, MovingShapesSplit split = MovingShapesSplit.Train, int fps = 10)
    {
        int S = gen.Config.Size, T = gen.Config.Frames, HW = S * S;
        string videos = Path.Combine(dir, "videos"), masks = Path.Combine(dir, "masks");
        Directory.CreateDirectory(videos);
        Parallel.For(0, count, i =>
        {
            var clip = gen.Render(i, split);
            string name = $"{i:D6}";
            // mp4: the frames go through a scratch folder that ffmpeg encodes, then it is removed.
            string frames = format == VideoExportFormat.Frames ? Path.Combine(videos, name) : Path.Combine(videos, $".{name}-frames");
            string maskDir = Path.Combine(masks, name);
            Directory.CreateDirectory(frames);
            Directory.CreateDirectory(maskDir);
            var rgba = new byte[HW * 4];
            for (int t = 0; t < T; t++)
            {
                AtomicFile.WriteAllBytes(Path.Combine(frames, $"{t:D3}.png"), ImageIo.EncodePng(clip.Pixels, S, S, t * HW, T * HW));
                for (int p = 0; p < HW; p++)
                {
                    byte k = clip.Instances[t * HW + p];
                    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = k; rgba[4 * p + 3] = 255;
                }
                ImageIo.SaveRgbaPng(Path.Combine(maskDir, $"{t:D3}.png"), rgba, S, S);
            }
            var objects = clip.ObjectCategories.Select((c, k) => new { id = k + 1, category_id = c + 1, category = MovingShapes.Categories[c] }).ToArray();
            AtomicFile.Write(Path.Combine(maskDir, "objects.json"), s => JsonSerializer.Serialize(s, objects));
            if (format == VideoExportFormat.Mp4)
            {
                Ffmpeg.EncodeFrames(Path.Combine(frames, "%03d.png"), Path.Combine(videos, name + ".mp4"), fps);
                Directory.Delete(frames, recursive: true);
            }
        });
        return videos;
    }
}
