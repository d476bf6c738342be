using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Images;
using MagvitSeg.Runtime;

namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// Exports still frames of held-out MovingShapes videos as a COCO instance-segmentation split (PNG images + an
/// instances JSON with compressed-RLE masks), so the real COCO code path loads them unchanged.
/// </summary>
public static class MovingShapesStills
{
    /// <summary>Instances smaller than this many visible pixels are left out (mostly hidden objects).</summary>
    public const int MinVisiblePixels = 10;

    /// <summary>
    /// Writes <c>{dir}/{split}/NNNNNN.png</c> and <c>{dir}/annotations/instances_{split}.json</c>; returns the JSON path.
    /// </summary>
    public static string Export(MovingShapes gen, string dir, string splitName, MovingShapesSplit split, int count)
    {
        int S = gen.Config.Size;
        string imgDir = Path.Combine(dir, splitName);
        Directory.CreateDirectory(imgDir);
        var perImage = new List<(CocoImage Img, List<CocoAnnotation> Anns)>[count];
        var images = new CocoImage[count];
        var anns = new List<CocoAnnotation>[count];
        Parallel.For(0, count, i =>
        {
            int t = (int)((i * 7L) % gen.Config.Frames);          // a frame from inside the video, not always the first
            var clip = gen.Render(i, split, t, 1);
            long id = i + 1;
            string file = $"{id:D6}.png";
            AtomicFile.WriteAllBytes(Path.Combine(imgDir, file), ImageIo.EncodePng(clip.Pixels, S, S));
            images[i] = new CocoImage(id, S, S, file);
            var list = new List<CocoAnnotation>();
            var mask = new byte[S * S];
            for (int k = 1; k <= clip.ObjectCategories.Length; k++)
            {
                int area = 0;
                for (int p = 0; p < mask.Length; p++) { bool on = clip.Instances[p] == k; mask[p] = on ? (byte)1 : (byte)0; area += on ? 1 : 0; }
                if (area < MinVisiblePixels) continue;
                var rle = Rle.EncodeRowMajor(mask, S, S);
                list.Add(new CocoAnnotation
                {
                    ImageId = id, CategoryId = clip.ObjectCategories[k - 1] + 1, Area = area, Bbox = rle.ToBbox(),
                    Segmentation = CocoSegmentation.FromRle(rle),
                });
            }
            anns[i] = list;
        });
        string json = Path.Combine(dir, "annotations", $"instances_{splitName}.json");
        long annId = 1;
        AtomicFile.Write(json, s =>
        {
            using var w = new Utf8JsonWriter(s, CocoJson.WriterOptions);
            w.WriteStartObject();
            w.WriteStartObject("info");
            w.WriteString("description", $"MovingShapes stills, split {splitName} (seed {gen.Config.Seed}, size {S})");
            w.WriteEndObject();
            w.WriteStartArray("images");
            foreach (var im in images)
            {
                w.WriteStartObject(); w.WriteNumber("id", im.Id); w.WriteNumber("width", im.Width); w.WriteNumber("height", im.Height);
                w.WriteString("file_name", im.FileName); w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("categories");
            for (int c = 0; c < MovingShapes.Categories.Length; c++)
            {
                w.WriteStartObject(); w.WriteNumber("id", c + 1); w.WriteString("name", MovingShapes.Categories[c]); w.WriteString("supercategory", "shape"); w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            foreach (var list in anns)
                foreach (var a in list)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", annId++); w.WriteNumber("image_id", a.ImageId); w.WriteNumber("category_id", a.CategoryId);
                    w.WriteNumber("area", a.Area); w.WriteNumber("iscrowd", 0);
                    w.WriteStartArray("bbox"); foreach (var v in a.Bbox!) w.WriteNumberValue(v); w.WriteEndArray();
                    w.WriteStartObject("segmentation");
                    w.WriteStartArray("size"); w.WriteNumberValue(S); w.WriteNumberValue(S); w.WriteEndArray();
                    w.WriteString("counts", a.Segmentation!.CompressedCounts.Span);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return json;
    }
}
