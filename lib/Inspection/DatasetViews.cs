using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Viz;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Inspection;

/// <summary>Pictures of the data: clips as frame grids, images with their instance masks drawn over them.</summary>
public static class DatasetViews
{
    /// <summary>
    /// The first <paramref name="maxClips"/> clips of <paramref name="clips"/> ([B, 3, T, H, W] in [-1, 1]) as a grid,
    /// one row of frames per clip.
    /// </summary>
    public static PngImage ClipGrid(Tensor clips, int maxClips = 4, int maxFrames = 16, int scale = 2)
    {
        if (clips.dim() != 5) throw new ArgumentException($"Expected clips [B, 3, T, H, W], got [{string.Join(", ", clips.shape)}].", nameof(clips));
        int n = (int)Math.Min(maxClips, clips.shape[0]);
        var rows = new List<List<SKBitmap>>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                using var clip = clips[i];
                rows.Add(ImageGrid.Frames(clip, maxFrames));
            }
            using var grid = ImageGrid.Compose(rows, Enumerable.Range(0, n).Select(i => $"clip {i}").ToArray(),
                                               Enumerable.Range(0, rows[0].Count).Select(t => $"t={t}").ToArray(), scale);
            return PngImage.Encode(grid);
        }
        finally { foreach (var f in rows.SelectMany(r => r)) f.Dispose(); }
    }

    /// <summary>The frames of a MovingShapes clip with each visible object's mask and category drawn over them.</summary>
    public static PngImage ClipOverlayStrip(MovingShapesClip clip, int maxFrames = 16, int scale = 4)
    {
        int s = clip.Size, plane = s * s, t = Math.Min(maxFrames, clip.T);
        var frames = new List<SKBitmap>();
        try
        {
            for (int f = 0; f < t; f++)
            {
                var chw = new float[3 * plane];
                for (int c = 0; c < 3; c++) Array.Copy(clip.Pixels, (c * clip.T + f) * plane, chw, c * plane, plane);
                var instances = new List<InstanceOverlay>();
                for (int k = 1; k <= clip.ObjectCategories.Length; k++)
                {
                    var mask = new bool[plane];
                    bool any = false;
                    for (int p = 0; p < plane; p++) any |= mask[p] = clip.Instances[f * plane + p] == k;
                    if (any) instances.Add(new InstanceOverlay(mask, MovingShapes.Categories[clip.ObjectCategories[k - 1]], Palette.Distinct(k - 1)));
                }
                frames.Add(Overlay(chw, s, s, s, instances, scale));
            }
            using var grid = ImageGrid.Compose(new[] { frames }, null, Enumerable.Range(0, t).Select(f => $"t={f}").ToArray());
            return PngImage.Encode(grid);
        }
        finally { foreach (var f in frames) f.Dispose(); }
    }

    /// <summary>
    /// Images <paramref name="indices"/> of <paramref name="set"/> (without their padding) with their instances and
    /// category names, <paramref name="columns"/> per row, each upscaled by <paramref name="scale"/>.
    /// </summary>
    public static PngImage OverlayGrid(CocoImageSet set, IReadOnlyList<int> indices, int columns = 4, int scale = 1)
    {
        if (indices.Count == 0) throw new ArgumentException("OverlayGrid: no images asked for.", nameof(indices));
        if (columns < 1) throw new ArgumentException($"columns must be at least 1, got {columns}.", nameof(columns));
        int s = set.Size, plane = s * s;
        var tiles = new List<SKBitmap>();
        try
        {
            foreach (int i in indices)
            {
                if (i < 0 || i >= set.Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Image index {i} is outside 0..{set.Count - 1}.");
                var g = set.Geometry[i];
                var target = set.Targets[i];
                var chw = set.Pixels.AsSpan(i * 3 * plane, 3 * plane).ToArray();
                var instances = Enumerable.Range(0, target.Count).Select(k =>
                {
                    var mask = new bool[plane];
                    for (int p = 0; p < plane; p++) mask[p] = target.Masks[k * plane + p] != 0;
                    long catId = set.CategoryIds[target.Classes[k]];
                    string name = set.Gt.CategoryById.TryGetValue(catId, out var cat) ? cat.Name : $"class {target.Classes[k]}";
                    return new InstanceOverlay(mask, name);
                }).ToList();
                tiles.Add(Overlay(chw, s, g.ScaledWidth, g.ScaledHeight, instances, scale));
            }
            var rows = tiles.Chunk(columns).Select(r => (IReadOnlyList<SKBitmap>)r).ToList();
            using var grid = ImageGrid.Compose(rows);
            return PngImage.Encode(grid);
        }
        finally { foreach (var t in tiles) t.Dispose(); }
    }

    /// <summary>
    /// <paramref name="count"/> MovingShapes stills of <paramref name="split"/> as a COCO split: exported with
    /// <see cref="MovingShapesStills.Export"/> to a temporary folder and loaded back through <see cref="CocoImageSet"/>
    /// (the path the segmentation study takes), at the generator's size.
    /// </summary>
    public static CocoImageSet LoadStills(MovingShapes gen, int count, MovingShapesSplit split = MovingShapesSplit.StillsVal)
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-stills-" + Guid.NewGuid().ToString("N"));
        try
        {
            string json = MovingShapesStills.Export(gen, dir, "val", split, count);
            return CocoImageSet.Load(json, Path.Combine(dir, "val"), gen.Config.Size);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The top-left <paramref name="width"/> x <paramref name="height"/> of a planar image [3, S, S] (row stride
    /// <paramref name="stride"/> = S), upscaled by <paramref name="scale"/>, with the masks (S x S) drawn over it.
    /// </summary>
    internal static SKBitmap Overlay(float[] chw, int stride, int width, int height, IReadOnlyList<InstanceOverlay> instances, int scale)
    {
        int plane = stride * stride, w = width * scale, h = height * scale;
        var crop = new float[3 * width * height];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                Array.Copy(chw, c * plane + y * stride, crop, c * width * height + y * width, width);
        using var small = ImageTensors.ToBitmap(crop, 3, height, width);
        using var image = ImageTensors.Upscale(small, scale);
        var scaled = instances.Select(inst =>
        {
            var m = new bool[w * h];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    m[y * w + x] = inst.Mask[(y / scale) * stride + x / scale];
            return inst with { Mask = m };
        }).ToList();
        return MaskOverlay.Draw(image, scaled);
    }
}
