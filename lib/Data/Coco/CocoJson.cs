using System.Text.Json;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// Reads COCO instances files and results files with a streaming <see cref="Utf8JsonReader"/> into typed records
/// (the full instances_train2017.json is ~450 MB), validating as it goes: every error is one line naming the file,
/// the record, the field and what was expected (<see cref="CocoJsonCursor"/>).
/// </summary>
public static class CocoJson
{
    /// <summary>Reads an instances file (images, annotations, categories; other keys are skipped).</summary>
    public static CocoDataset ReadInstances(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"COCO annotation file '{path}' does not exist.", path);
        return ParseInstances(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Parses instances JSON bytes; <paramref name="source"/> names them in errors. Compressed RLE masks keep pointing
    /// into <paramref name="json"/>: leave it unchanged while the dataset is in use.
    /// </summary>
    public static CocoDataset ParseInstances(ReadOnlyMemory<byte> json, string source)
    {
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var cats = new List<CocoCategory>();
        var c = new CocoJsonCursor(json, source);
        c.Next();
        if (c.Token != JsonTokenType.StartObject)
            throw c.Error("the top level is not a JSON object {\"images\": [...], \"annotations\": [...], \"categories\": [...]}; is this a results file (a list)?");
        while (true)
        {
            c.Next();
            if (c.Token != JsonTokenType.PropertyName) break;
            if (c.Is("images"u8)) { c.EnterList("images"); for (int i = 0; NextItem(ref c); i++) images.Add(CocoJsonRecords.Image(ref c, i)); }
            else if (c.Is("annotations"u8)) { c.EnterList("annotations"); for (int i = 0; NextItem(ref c); i++) anns.Add(CocoJsonRecords.Annotation(ref c, "annotations", i)); }
            else if (c.Is("categories"u8)) { c.EnterList("categories"); for (int i = 0; NextItem(ref c); i++) cats.Add(CocoJsonRecords.Category(ref c, i)); }
            else c.SkipValue();
        }
        return new CocoDataset(source, images, anns, cats);
    }

    /// <summary>
    /// Reads a results file (a JSON list of detections) against its ground truth and completes each detection as
    /// pycocotools' loadRes does: the branch is chosen by the FIRST detection. With a bbox there, every detection's
    /// area is bbox w*h (also for segm evaluation) and a detection without segmentation gets its box as a polygon;
    /// otherwise area is the mask's pixel count and a missing box is the mask's extent. Ids are 1..N in file order.
    /// </summary>
    public static List<CocoAnnotation> ReadResults(string path, CocoDataset gt)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"COCO results file '{path}' does not exist.", path);
        return ParseResults(File.ReadAllBytes(path), path, gt);
    }

    /// <summary>
    /// Parses results JSON bytes (see <see cref="ReadResults"/>). Compressed RLE masks keep pointing into
    /// <paramref name="json"/>: leave it unchanged while the detections are in use.
    /// </summary>
    public static List<CocoAnnotation> ParseResults(ReadOnlyMemory<byte> json, string source, CocoDataset gt)
    {
        var dets = ParseResultRecords(json, source);
        CompleteResults(dets, source, gt);
        return dets;
    }

    /// <summary>
    /// Reads a results file's records without the ground truth (no loadRes completion yet): lets a caller parse it
    /// while the ground truth loads, then call <see cref="CompleteResults"/>.
    /// </summary>
    public static List<CocoAnnotation> ReadResultRecords(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"COCO results file '{path}' does not exist.", path);
        return ParseResultRecords(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses results JSON bytes into records (see <see cref="ReadResultRecords"/>); they point into <paramref name="json"/> as <see cref="ParseResults"/>'s do.</summary>
    public static List<CocoAnnotation> ParseResultRecords(ReadOnlyMemory<byte> json, string source)
    {
        var dets = new List<CocoAnnotation>();
        var c = new CocoJsonCursor(json, source);
        c.Next();
        if (c.Token != JsonTokenType.StartArray)
            throw c.Error("a results file must be a JSON list of detections [{\"image_id\", \"category_id\", \"score\", \"bbox\" or \"segmentation\"}, ...], " +
                          (c.Token == JsonTokenType.StartObject ? "but the top level is an object (an instances file?)." : "but the top level is not a list."));
        for (int i = 0; NextItem(ref c); i++) dets.Add(CocoJsonRecords.Annotation(ref c, "results", i));
        return dets;
    }

    // Moves to the next list item; false at the list's end.
    private static bool NextItem(ref CocoJsonCursor c)
    {
        c.Next();
        return c.Token != JsonTokenType.EndArray;
    }

    /// <summary>Validates detections against the ground truth and fills id/area/bbox/segmentation like loadRes.</summary>
    public static void CompleteResults(List<CocoAnnotation> dets, string source, CocoDataset gt)
    {
        if (dets.Count == 0) return;
        bool boxBranch = dets[0].Bbox is { Length: > 0 };
        if (!boxBranch && dets[0].Segmentation is null)
            throw Bad(source, "results[0] has neither 'bbox' nor 'segmentation'; each detection needs one of them.");
        for (int i = 0; i < dets.Count; i++)
        {
            var d = dets[i];
            if (!gt.ImageById.TryGetValue(d.ImageId, out var img))
                throw Bad(source, $"results[{i}] has image_id {d.ImageId}, which is not in the ground truth '{gt.Source}'. Results must refer to its images.");
            if (!gt.CategoryById.ContainsKey(d.CategoryId))
                throw Bad(source, $"results[{i}] has category_id {d.CategoryId}, which is not a category of '{gt.Source}'.");
            if (d.Segmentation is { Kind: SegmentationKind.CompressedRle or SegmentationKind.UncompressedRle } mask && (mask.H != img.Height || mask.W != img.Width))
                throw Bad(source, $"results[{i}]: 'segmentation.size' is [{mask.H}, {mask.W}], but image {img.Id} is {img.Height} high and {img.Width} wide; expected [{img.Height}, {img.Width}].");
            d.Id = i + 1;
            if (boxBranch)
            {
                if (d.Bbox is not { Length: 4 })
                    throw Bad(source, $"results[{i}] has no 4-number 'bbox', but results[0] has one, so every detection needs it (pycocotools' loadRes rule).");
                var bb = d.Bbox;
                if (d.Segmentation is null)
                {
                    double x1 = bb[0], x2 = bb[0] + bb[2], y1 = bb[1], y2 = bb[1] + bb[3];
                    d.Segmentation = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = new[] { new[] { x1, y1, x1, y2, x2, y2, x2, y1 } } };
                }
                d.Area = bb[2] * bb[3];
            }
            else
            {
                if (d.Segmentation is null)
                    throw Bad(source, $"results[{i}] has no 'segmentation', but results[0] has one and no bbox, so every detection needs it.");
                var rle = d.Segmentation.ToRle(img.Height, img.Width);
                d.Area = rle.Area();
                d.Bbox ??= rle.ToBbox();
            }
        }
    }

    /// <summary>Writes detections as a COCO results file (atomically): image_id, category_id, score, segmentation (compressed RLE), bbox.</summary>
    public static void WriteResults(string path, IEnumerable<CocoAnnotation> dets)
    {
        MagvitSeg.Runtime.AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, WriterOptions);
            w.WriteStartArray();
            foreach (var d in dets)
            {
                w.WriteStartObject();
                w.WriteNumber("image_id", d.ImageId);
                w.WriteNumber("category_id", d.CategoryId);
                w.WriteNumber("score", Math.Round(d.Score, 6));
                if (d.Segmentation is { } seg)
                {
                    w.WriteStartObject("segmentation");
                    var rle = seg.Kind == SegmentationKind.CompressedRle ? seg : CocoSegmentation.FromRle(seg.ToRle(seg.H, seg.W));
                    w.WriteStartArray("size"); w.WriteNumberValue(rle.H); w.WriteNumberValue(rle.W); w.WriteEndArray();
                    w.WriteString("counts", rle.CompressedCounts.Span);
                    w.WriteEndObject();
                }
                if (d.Bbox is { } bb)
                {
                    w.WriteStartArray("bbox");
                    foreach (var v in bb) w.WriteNumberValue(Math.Round(v, 2));
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>Writes a dataset as a COCO instances file (atomically): images, annotations (polygons or RLE), categories.</summary>
    public static void WriteInstances(string path, CocoDataset ds)
    {
        MagvitSeg.Runtime.AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, WriterOptions);
            w.WriteStartObject();
            w.WriteStartArray("images");
            foreach (var im in ds.Images)
            {
                w.WriteStartObject();
                w.WriteNumber("id", im.Id); w.WriteNumber("width", im.Width); w.WriteNumber("height", im.Height); w.WriteString("file_name", im.FileName);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("annotations");
            foreach (var a in ds.Annotations)
            {
                w.WriteStartObject();
                w.WriteNumber("id", a.Id); w.WriteNumber("image_id", a.ImageId); w.WriteNumber("category_id", a.CategoryId);
                w.WriteNumber("area", a.Area); w.WriteNumber("iscrowd", a.IsCrowd ? 1 : 0);
                if (a.Segmentation is { } seg) WriteSegmentation(w, seg);
                if (a.Bbox is { } bb) { w.WriteStartArray("bbox"); foreach (var v in bb) w.WriteNumberValue(v); w.WriteEndArray(); }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("categories");
            foreach (var c in ds.Categories)
            {
                w.WriteStartObject();
                w.WriteNumber("id", c.Id); w.WriteString("name", c.Name); w.WriteString("supercategory", c.Supercategory);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteSegmentation(Utf8JsonWriter w, CocoSegmentation seg)
    {
        if (seg.Kind == SegmentationKind.Polygons)
        {
            w.WriteStartArray("segmentation");
            foreach (var poly in seg.Polygons!) { w.WriteStartArray(); foreach (var v in poly) w.WriteNumberValue(v); w.WriteEndArray(); }
            w.WriteEndArray();
            return;
        }
        w.WriteStartObject("segmentation");
        w.WriteStartArray("size"); w.WriteNumberValue(seg.H); w.WriteNumberValue(seg.W); w.WriteEndArray();
        if (seg.Kind == SegmentationKind.UncompressedRle) { w.WriteStartArray("counts"); foreach (uint c in seg.Counts!) w.WriteNumberValue(c); w.WriteEndArray(); }
        else w.WriteString("counts", seg.CompressedCounts.Span);
        w.WriteEndObject();
    }

    // How COCO files are written: '<', '>' and '`' (all in the compressed-RLE alphabet) as themselves, as Python's
    // json.dump writes them. The default encoder's \u003C escapes are meant for JSON inside HTML; in a results file
    // they only make it larger and make the loader unescape almost every mask instead of pointing into the file.
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}");
}
