using MagvitSeg.Data.Images;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Data.Coco;

/// <summary>Instance targets of one image at the working resolution.</summary>
/// <param name="Masks">[N, S, S] row-major 0/1 masks.</param>
/// <param name="Classes">[N] contiguous class indices 0..K-1.</param>
/// <param name="Ignore">[S, S] 1 inside crowd regions (and the padding), else 0.</param>
public sealed record InstanceMasks(byte[] Masks, int[] Classes, byte[] Ignore)
{
    /// <summary>Number of instances.</summary>
    public int Count => Classes.Length;
}

/// <summary>Where an image sits in its padded square: its original size and the scaled size at the top-left.</summary>
public sealed record ImagePlacement(long ImageId, int Width, int Height, int ScaledWidth, int ScaledHeight);

/// <summary>
/// A COCO-format split (real COCO, coco-tiny or MovingShapes stills) decoded for the segmentation head: images resized
/// to fit an S x S square keeping their aspect ratio (padded at the right/bottom), values in [-1, 1], instance masks at
/// the same resolution, category ids mapped to contiguous class indices (and back), crowd regions as ignore masks.
/// Unreadable images are skipped and counted, never used as garbage.
/// </summary>
public sealed class CocoImageSet
{
    /// <summary>The ground truth the images come from.</summary>
    public CocoDataset Gt { get; }
    /// <summary>The ground truth restricted to the loaded images (what predictions on this set are evaluated against).</summary>
    public CocoDataset LoadedGt { get; }
    /// <summary>Working resolution S.</summary>
    public int Size { get; }
    /// <summary>Images [N, 3, S, S] flattened.</summary>
    public float[] Pixels { get; }
    /// <summary>Per-image targets.</summary>
    public IReadOnlyList<InstanceMasks> Targets { get; }
    /// <summary>Per-image geometry (to map predictions back to the original size).</summary>
    public IReadOnlyList<ImagePlacement> Geometry { get; }
    /// <summary>COCO category id of each class index.</summary>
    public IReadOnlyList<long> CategoryIds { get; }
    /// <summary>Images that could not be read: path and reason.</summary>
    public IReadOnlyList<(string Path, string Reason)> Skipped { get; }
    /// <summary>Number of images.</summary>
    public int Count => Geometry.Count;
    /// <summary>Number of classes K.</summary>
    public int NumClasses => CategoryIds.Count;

    private CocoImageSet(CocoDataset gt, int size, float[] pixels, List<InstanceMasks> targets, List<ImagePlacement> geo, List<long> cats, List<(string, string)> skipped)
    {
        Gt = gt; Size = size; Pixels = pixels; Targets = targets; Geometry = geo; CategoryIds = cats; Skipped = skipped;
        var ids = geo.Select(g => g.ImageId).ToHashSet();
        LoadedGt = ids.Count == gt.Images.Count ? gt : new CocoDataset(gt.Source,
            gt.Images.Where(i => ids.Contains(i.Id)).ToList(), gt.Annotations.Where(a => ids.Contains(a.ImageId)).ToList(), gt.Categories);
    }

    /// <summary>Loads a split.</summary>
    /// <param name="annotationFile">Instances JSON.</param>
    /// <param name="imageDir">Folder holding the images named by file_name.</param>
    /// <param name="size">Working resolution S.</param>
    /// <param name="maxImages">Use at most this many images (in id order); 0 = all.</param>
    public static CocoImageSet Load(string annotationFile, string imageDir, int size, int maxImages = 0)
    {
        var gt = CocoJson.ReadInstances(annotationFile);
        var cats = gt.Categories.Select(c => c.Id).OrderBy(c => c).ToList();
        var catIndex = cats.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var imgs = gt.Images.OrderBy(i => i.Id).ToList();
        if (maxImages > 0 && imgs.Count > maxImages) imgs = imgs.Take(maxImages).ToList();
        var annsByImage = gt.Annotations.GroupBy(a => a.ImageId).ToDictionary(g => g.Key, g => g.ToList());
        int S = size, per = 3 * S * S;
        var pixels = new float[imgs.Count][];
        var targets = new InstanceMasks?[imgs.Count];
        var geo = new ImagePlacement?[imgs.Count];
        var errors = new string?[imgs.Count];
        Parallel.For(0, imgs.Count, i =>
        {
            var img = imgs[i];
            string path = Path.Combine(imageDir, img.FileName);
            try
            {
                var (rgba, w, h) = ImageIo.Decode(path);
                if (w != img.Width || h != img.Height)
                    throw new InvalidDataException($"'{path}' is {w}x{h} but '{annotationFile}' says {img.Width}x{img.Height} for image id {img.Id}.");
                double scale = (double)S / Math.Max(w, h);
                int sw = Math.Max(1, (int)Math.Round(w * scale)), sh = Math.Max(1, (int)Math.Round(h * scale));
                pixels[i] = Resize(rgba, w, h, sw, sh, S);
                geo[i] = new ImagePlacement(img.Id, w, h, sw, sh);
                targets[i] = Target(annsByImage.GetValueOrDefault(img.Id) ?? new List<CocoAnnotation>(), img, catIndex, sw, sh, S);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
            {
                errors[i] = e.Message;
            }
        });
        var skipped = new List<(string, string)>();
        var keepPix = new List<float[]>(); var keepT = new List<InstanceMasks>(); var keepG = new List<ImagePlacement>();
        for (int i = 0; i < imgs.Count; i++)
        {
            if (errors[i] is { } err) { skipped.Add((Path.Combine(imageDir, imgs[i].FileName), err)); continue; }
            keepPix.Add(pixels[i]); keepT.Add(targets[i]!); keepG.Add(geo[i]!);
        }
        if (keepG.Count == 0)
            throw new InvalidDataException($"No readable image in '{imageDir}' for '{annotationFile}' ({skipped.Count} skipped; first: {skipped.FirstOrDefault().Item2}).");
        var flat = new float[(long)keepPix.Count * per];
        for (int i = 0; i < keepPix.Count; i++) keepPix[i].CopyTo(flat, (long)i * per);
        return new CocoImageSet(gt, S, flat, keepT, keepG, cats, skipped);
    }

    /// <summary>Images [n, 3, S, S] from index <paramref name="start"/>.</summary>
    public Tensor Images(int start, int n)
    {
        int per = 3 * Size * Size;
        return tensor(Pixels.AsSpan(start * per, n * per).ToArray(), new long[] { n, 3, Size, Size });
    }

    private static float[] Resize(byte[] rgba, int w, int h, int sw, int sh, int S)
    {
        using var src = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, src.GetPixels(), rgba.Length);
        using var dst = src.Resize(new SKImageInfo(sw, sh, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                        ?? throw new InvalidDataException("image resize failed");
        var b = dst.Bytes;
        var o = new float[3 * S * S];
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
            {
                int s = (y * sw + x) * 4, p = y * S + x;
                o[p] = b[s] / 127.5f - 1f; o[S * S + p] = b[s + 1] / 127.5f - 1f; o[2 * S * S + p] = b[s + 2] / 127.5f - 1f;
            }
        return o;
    }

    private static InstanceMasks Target(List<CocoAnnotation> anns, CocoImage img, Dictionary<long, int> catIndex, int sw, int sh, int S)
    {
        var ignore = new byte[S * S];
        for (int y = 0; y < S; y++) for (int x = 0; x < S; x++) if (x >= sw || y >= sh) ignore[y * S + x] = 1;
        var masks = new List<byte[]>(); var classes = new List<int>();
        foreach (var a in anns)
        {
            if (a.Segmentation is null || !catIndex.TryGetValue(a.CategoryId, out int cls)) continue;
            var full = a.Segmentation.ToRle(img.Height, img.Width).DecodeRowMajor();
            var m = new byte[S * S];
            int on = 0;
            // Nearest-neighbour: the working-resolution pixel takes the label of the original pixel under its centre.
            for (int y = 0; y < sh; y++)
            {
                int oy = Math.Min(img.Height - 1, (int)((y + 0.5) * img.Height / sh));
                for (int x = 0; x < sw; x++)
                {
                    int ox = Math.Min(img.Width - 1, (int)((x + 0.5) * img.Width / sw));
                    byte v = full[oy * img.Width + ox];
                    m[y * S + x] = v; on += v;
                }
            }
            if (a.IsCrowd) { for (int p = 0; p < m.Length; p++) ignore[p] |= m[p]; continue; }
            if (on == 0) continue; // too small to survive the resize
            masks.Add(m); classes.Add(cls);
        }
        var flat = new byte[masks.Count * S * S];
        for (int i = 0; i < masks.Count; i++) masks[i].CopyTo(flat, i * S * S);
        return new InstanceMasks(flat, classes.ToArray(), ignore);
    }
}
