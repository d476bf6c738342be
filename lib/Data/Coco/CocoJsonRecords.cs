using System.Text.Json;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// One COCO record at a time (image, category, annotation or detection, segmentation) from a
/// <see cref="CocoJsonCursor"/> at the record's opening brace; field by field, with the types pycocotools relies on.
/// </summary>
internal static class CocoJsonRecords
{
    public static CocoImage Image(ref CocoJsonCursor c, int index)
    {
        c.BeginRecord("images", index);
        long? id = null; int? w = null, h = null; string file = "";
        while (NextField(ref c))
        {
            if (c.Is("id"u8)) { id = c.ReadId("id"); c.SetId(id.Value); }
            else if (c.Is("width"u8)) w = c.ReadSize("width");
            else if (c.Is("height"u8)) h = c.ReadSize("height");
            else if (c.Is("file_name"u8)) file = c.ReadString("file_name");
            else c.SkipValue();
        }
        if (id is null) throw c.Record("no 'id'; every image needs an integer id.");
        if (w is null || h is null) throw c.Record("needs 'width' and 'height' (non-negative integers).");
        c.EndRecord();
        return new CocoImage(id.Value, w.Value, h.Value, file);
    }

    public static CocoCategory Category(ref CocoJsonCursor c, int index)
    {
        c.BeginRecord("categories", index);
        long? id = null; string name = "", super = "";
        while (NextField(ref c))
        {
            if (c.Is("id"u8)) { id = c.ReadId("id"); c.SetId(id.Value); }
            else if (c.Is("name"u8)) name = c.ReadString("name");
            else if (c.Is("supercategory"u8)) super = c.ReadString("supercategory");
            else c.SkipValue();
        }
        if (id is null) throw c.Record("no 'id'; every category needs an integer id.");
        c.EndRecord();
        return new CocoCategory(id.Value, name.Length > 0 ? name : id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), super);
    }

    /// <summary>A ground-truth annotation (<paramref name="list"/> "annotations") or a detection ("results").</summary>
    public static CocoAnnotation Annotation(ref CocoJsonCursor c, string list, int index)
    {
        bool result = list == "results";
        c.BeginRecord(list, index);
        long? id = null, imageId = null, catId = null;
        double? area = null, score = null;
        bool crowd = false;
        double[]? bbox = null;
        CocoSegmentation? seg = null;
        while (NextField(ref c))
        {
            // A detection's id is replaced by its position (loadRes), so whatever it holds is ignored.
            if (c.Is("id"u8) && !result) { id = c.ReadId("id"); c.SetId(id.Value); }
            else if (c.Is("image_id"u8)) imageId = c.ReadId("image_id");
            else if (c.Is("category_id"u8)) catId = c.ReadId("category_id");
            else if (c.Is("area"u8)) area = c.ReadNumber("area");
            else if (c.Is("score"u8)) score = c.ReadNumber("score");
            else if (c.Is("iscrowd"u8)) crowd = c.ReadFlag("iscrowd");
            else if (c.Is("bbox"u8)) bbox = c.ReadNumbers("bbox");
            else if (c.Is("segmentation"u8)) seg = Segmentation(ref c);
            else c.SkipValue();
        }
        if (!result && id is null) throw c.Record("no 'id'; every annotation needs an integer id.");
        if (imageId is null) throw c.Record("no 'image_id'; expected the integer id of one of the images.");
        if (catId is null) throw c.Record("no 'category_id'; expected the integer id of one of the categories.");
        if (!result && area is null) throw c.Record("no 'area'; expected a number (COCO's area ranges use it).");
        if (result && score is null) throw c.Record("no 'score'; every detection needs a finite number as its confidence.");
        if (bbox is not null && bbox.Length != 0 && bbox.Length != 4) throw c.Record($"'bbox' has {bbox.Length} numbers; expected 4 [x, y, width, height].");
        if (bbox is { Length: 4 } && (bbox[2] < 0 || bbox[3] < 0))
            throw c.Record($"'bbox' is [{bbox[0]}, {bbox[1]}, {bbox[2]}, {bbox[3]}], a negative width or height; expected [x, y, width, height] with width, height >= 0.");
        c.EndRecord();
        return new CocoAnnotation
        {
            Id = id ?? 0, ImageId = imageId.Value, CategoryId = catId.Value, Area = area ?? 0, Score = score ?? 0,
            IsCrowd = crowd, Bbox = bbox is { Length: 0 } ? null : bbox, Segmentation = seg, Index = index,
        };
    }

    private static CocoSegmentation Segmentation(ref CocoJsonCursor c)
    {
        c.Next();
        if (c.Token == JsonTokenType.StartArray)
        {
            var polys = new List<double[]>();
            while (true)
            {
                c.Next();
                if (c.Token == JsonTokenType.EndArray) break;
                int p = polys.Count;
                var poly = c.ReadNumbersHere($"segmentation[{p}]");
                if (poly.Length < 6) throw c.Record($"polygon 'segmentation[{p}]' has {poly.Length / 2} point(s); expected at least 3 (6 numbers).");
                if (poly.Length % 2 != 0) throw c.Record($"polygon 'segmentation[{p}]' has an odd number of coordinates ({poly.Length}); expected x, y pairs.");
                polys.Add(poly);
            }
            return new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = polys.ToArray() };
        }
        if (c.Token != JsonTokenType.StartObject) throw c.Field("segmentation", "a list of polygons or an RLE object {\"size\": [h, w], \"counts\": ...}");
        int? h = null, w = null; uint[]? counts = null; ReadOnlyMemory<byte>? compressed = null;
        while (NextField(ref c))
        {
            if (c.Is("size"u8))
            {
                c.EnterList("segmentation.size");
                h = c.ReadSize("segmentation.size[0]");
                w = c.ReadSize("segmentation.size[1]");
                c.Next();
                if (c.Token != JsonTokenType.EndArray) throw c.Record("'segmentation.size' has more than 2 numbers; expected [height, width].");
            }
            else if (c.Is("counts"u8))
            {
                c.Next();
                if (c.Token == JsonTokenType.String) compressed = c.CurrentUtf8();
                else if (c.Token == JsonTokenType.StartArray)
                {
                    var list = new List<uint>();
                    while (true)
                    {
                        c.Next();
                        if (c.Token == JsonTokenType.EndArray) break;
                        if (!c.TryCurrentCount(out uint count)) throw c.Field($"segmentation.counts[{list.Count}]", "a non-negative integer run length");
                        list.Add(count);
                    }
                    counts = list.ToArray();
                }
                else throw c.Field("segmentation.counts", "a compressed RLE string or a list of run lengths");
            }
            else c.SkipValue();
        }
        if (h is null || w is null) throw c.Record("the RLE 'segmentation' has no 'size'; expected [height, width].");
        long total = (long)h.Value * w.Value;
        if (counts is not null)
        {
            long sum = 0; foreach (uint n in counts) sum += n;
            if (sum != total) throw c.Record($"RLE 'segmentation.counts' sum to {sum}, but size {h}x{w} needs {total}.");
            return new CocoSegmentation { Kind = SegmentationKind.UncompressedRle, Counts = counts, H = h.Value, W = w.Value };
        }
        if (compressed is not { } bytes) throw c.Record("the RLE 'segmentation' has no 'counts'; expected a compressed string or a list of run lengths.");
        // Only the sum is checked here: evaluation decodes the runs again into reused buffers, so keeping them would
        // double the loader's allocations for no gain (100,000 detections: about a second of a cold `eval`).
        long decoded = 0;
        try { foreach (uint n in Rle.DecodeCounts(bytes.Span)) decoded += n; }
        catch (FormatException e) { throw c.Record($"'segmentation.counts': {e.Message}; expected pycocotools' compressed RLE string."); }
        if (decoded != total) throw c.Record($"RLE 'segmentation.counts' sum to {decoded}, but size {h}x{w} needs {total}.");
        return new CocoSegmentation { Kind = SegmentationKind.CompressedRle, CompressedCounts = bytes, H = h.Value, W = w.Value };
    }

    // Moves to the record's next property; false at its closing brace.
    private static bool NextField(ref CocoJsonCursor c)
    {
        c.Next();
        return c.Token == JsonTokenType.PropertyName;
    }
}
