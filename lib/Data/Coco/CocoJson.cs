using System.Text;
using System.Text.Json;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// Reads COCO instances files and results files with a streaming <see cref="Utf8JsonReader"/> into typed records
/// (the full instances_train2017.json is ~450 MB), validating as it goes: every error names the file, the record and
/// the problem.
/// </summary>
public static class CocoJson
{
    /// <summary>Reads an instances file (images, annotations, categories; other keys are skipped).</summary>
    public static CocoDataset ReadInstances(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"COCO annotation file '{path}' does not exist.", path);
        return ParseInstances(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses instances JSON bytes; <paramref name="source"/> names them in errors.</summary>
    public static CocoDataset ParseInstances(ReadOnlySpan<byte> json, string source)
    {
        var images = new List<CocoImage>();
        var anns = new List<CocoAnnotation>();
        var cats = new List<CocoCategory>();
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            Read(ref r, source);
            if (r.TokenType != JsonTokenType.StartObject) throw Bad(source, "the top level is not a JSON object; is this a results file (a list)?");
            while (Read(ref r, source) && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("images"u8)) ReadArray(ref r, source, "images", (ref Utf8JsonReader rr, int i) => images.Add(ReadImage(ref rr, source, i)));
                else if (r.ValueTextEquals("annotations"u8)) ReadArray(ref r, source, "annotations", (ref Utf8JsonReader rr, int i) => anns.Add(ReadAnnotation(ref rr, source, i, result: false)));
                else if (r.ValueTextEquals("categories"u8)) ReadArray(ref r, source, "categories", (ref Utf8JsonReader rr, int i) => cats.Add(ReadCategory(ref rr, source, i)));
                else { Read(ref r, source); r.Skip(); }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
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

    /// <summary>Parses results JSON bytes (see <see cref="ReadResults"/>).</summary>
    public static List<CocoAnnotation> ParseResults(ReadOnlySpan<byte> json, string source, CocoDataset gt)
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

    /// <summary>Parses results JSON bytes into records (see <see cref="ReadResultRecords"/>).</summary>
    public static List<CocoAnnotation> ParseResultRecords(ReadOnlySpan<byte> json, string source)
    {
        var dets = new List<CocoAnnotation>();
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            Read(ref r, source);
            if (r.TokenType != JsonTokenType.StartArray)
                throw Bad(source, "a results file must be a JSON list of detections; this looks like an instances file (an object).");
            int i = 0;
            while (Read(ref r, source) && r.TokenType != JsonTokenType.EndArray)
                dets.Add(ReadAnnotation(ref r, source, i++, result: true));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
        return dets;
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
            using var w = new Utf8JsonWriter(s);
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
                    w.WriteString("counts", rle.CountsString);
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
            using var w = new Utf8JsonWriter(s);
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
        else w.WriteString("counts", seg.CountsString);
        w.WriteEndObject();
    }

    private delegate void ItemReader(ref Utf8JsonReader r, int index);

    private static void ReadArray(ref Utf8JsonReader r, string source, string name, ItemReader item)
    {
        Read(ref r, source);
        if (r.TokenType != JsonTokenType.StartArray) throw Bad(source, $"'{name}' is not a list.");
        int i = 0;
        while (Read(ref r, source) && r.TokenType != JsonTokenType.EndArray) item(ref r, i++);
    }

    private static CocoImage ReadImage(ref Utf8JsonReader r, string source, int index)
    {
        Expect(ref r, JsonTokenType.StartObject, source, $"images[{index}]");
        long? id = null; int? w = null, h = null; string file = "";
        while (Read(ref r, source) && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Read(ref r, source); id = r.GetInt64(); }
            else if (r.ValueTextEquals("width"u8)) { Read(ref r, source); w = ReadInt(ref r); }
            else if (r.ValueTextEquals("height"u8)) { Read(ref r, source); h = ReadInt(ref r); }
            else if (r.ValueTextEquals("file_name"u8)) { Read(ref r, source); file = r.GetString() ?? ""; }
            else { Read(ref r, source); r.Skip(); }
        }
        string where = $"images[{index}]" + (id is null ? "" : $" (id {id})");
        if (id is null) throw Bad(source, $"{where} has no 'id'.");
        if (w is null || h is null) throw Bad(source, $"{where} needs 'width' and 'height'.");
        if (w < 0 || h < 0) throw Bad(source, $"{where} has a negative size {w}x{h}.");
        return new CocoImage(id.Value, w.Value, h.Value, file);
    }

    private static CocoCategory ReadCategory(ref Utf8JsonReader r, string source, int index)
    {
        Expect(ref r, JsonTokenType.StartObject, source, $"categories[{index}]");
        long? id = null; string name = "", super = "";
        while (Read(ref r, source) && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Read(ref r, source); id = r.GetInt64(); }
            else if (r.ValueTextEquals("name"u8)) { Read(ref r, source); name = r.GetString() ?? ""; }
            else if (r.ValueTextEquals("supercategory"u8)) { Read(ref r, source); super = r.GetString() ?? ""; }
            else { Read(ref r, source); r.Skip(); }
        }
        if (id is null) throw Bad(source, $"categories[{index}] has no 'id'.");
        return new CocoCategory(id.Value, name.Length > 0 ? name : id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), super);
    }

    private static CocoAnnotation ReadAnnotation(ref Utf8JsonReader r, string source, int index, bool result)
    {
        string list = result ? "results" : "annotations";
        Expect(ref r, JsonTokenType.StartObject, source, $"{list}[{index}]");
        long? id = null, imageId = null, catId = null;
        double? area = null, score = null;
        bool crowd = false;
        double[]? bbox = null;
        CocoSegmentation? seg = null;
        while (Read(ref r, source) && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("id"u8)) { Read(ref r, source); id = r.GetInt64(); }
            else if (r.ValueTextEquals("image_id"u8)) { Read(ref r, source); imageId = r.GetInt64(); }
            else if (r.ValueTextEquals("category_id"u8)) { Read(ref r, source); catId = r.GetInt64(); }
            else if (r.ValueTextEquals("area"u8)) { Read(ref r, source); area = ReadDouble(ref r); }
            else if (r.ValueTextEquals("score"u8)) { Read(ref r, source); score = ReadDouble(ref r); }
            else if (r.ValueTextEquals("iscrowd"u8)) { Read(ref r, source); crowd = r.TokenType == JsonTokenType.True || (r.TokenType == JsonTokenType.Number && r.GetDouble() != 0); }
            else if (r.ValueTextEquals("bbox"u8)) { Read(ref r, source); bbox = ReadNumbers(ref r, source, $"{list}[{index}].bbox"); }
            else if (r.ValueTextEquals("segmentation"u8)) { Read(ref r, source); seg = ReadSegmentation(ref r, source, $"{list}[{index}]" + (id is null ? "" : $" (id {id})")); }
            else { Read(ref r, source); r.Skip(); }
        }
        string where = $"{list}[{index}]" + (id is null ? "" : $" (id {id})");
        if (!result && id is null) throw Bad(source, $"{where} has no 'id'.");
        if (imageId is null) throw Bad(source, $"{where} has no 'image_id'.");
        if (catId is null) throw Bad(source, $"{where} has no 'category_id'.");
        if (!result && area is null) throw Bad(source, $"{where} has no 'area' (COCO's area ranges use it).");
        if (result && score is null) throw Bad(source, $"{where} has no 'score'.");
        if (score is { } s && !double.IsFinite(s)) throw Bad(source, $"{where} has a non-finite score ({s}); scores must be numbers.");
        if (bbox is not null && bbox.Length != 0 && bbox.Length != 4) throw Bad(source, $"{where}.bbox has {bbox.Length} numbers, expected 4 [x, y, w, h].");
        if (bbox is { Length: 4 } && (bbox[2] < 0 || bbox[3] < 0)) throw Bad(source, $"{where}.bbox has a negative width or height.");
        return new CocoAnnotation
        {
            Id = id ?? 0, ImageId = imageId.Value, CategoryId = catId.Value, Area = area ?? 0, Score = score ?? 0,
            IsCrowd = crowd, Bbox = bbox is { Length: 0 } ? null : bbox, Segmentation = seg, Index = index,
        };
    }

    private static CocoSegmentation ReadSegmentation(ref Utf8JsonReader r, string source, string where)
    {
        if (r.TokenType == JsonTokenType.StartArray)
        {
            var polys = new List<double[]>();
            int p = 0;
            while (Read(ref r, source) && r.TokenType != JsonTokenType.EndArray)
            {
                var poly = ReadNumbers(ref r, source, $"{where}.segmentation[{p}]");
                if (poly.Length < 6) throw Bad(source, $"{where}: polygon {p} has {poly.Length / 2} point(s); a polygon needs at least 3 (6 numbers).");
                if (poly.Length % 2 != 0) throw Bad(source, $"{where}: polygon {p} has an odd number of coordinates ({poly.Length}).");
                polys.Add(poly);
                p++;
            }
            return new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = polys.ToArray() };
        }
        if (r.TokenType != JsonTokenType.StartObject) throw Bad(source, $"{where}: 'segmentation' must be a list of polygons or an RLE object.");
        int[]? size = null; uint[]? counts = null; string? countsString = null;
        while (Read(ref r, source) && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("size"u8))
            {
                Read(ref r, source);
                var s = ReadNumbers(ref r, source, $"{where}.segmentation.size");
                if (s.Length != 2) throw Bad(source, $"{where}: segmentation.size must be [height, width].");
                size = new[] { (int)s[0], (int)s[1] };
            }
            else if (r.ValueTextEquals("counts"u8))
            {
                Read(ref r, source);
                if (r.TokenType == JsonTokenType.String) countsString = r.GetString();
                else if (r.TokenType == JsonTokenType.StartArray)
                {
                    var list = new List<uint>();
                    while (Read(ref r, source) && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out long c) || c < 0 || c > uint.MaxValue)
                            throw Bad(source, $"{where}: RLE counts must be non-negative integers.");
                        list.Add((uint)c);
                    }
                    counts = list.ToArray();
                }
                else throw Bad(source, $"{where}: RLE counts must be a string or a list of integers.");
            }
            else { Read(ref r, source); r.Skip(); }
        }
        if (size is null) throw Bad(source, $"{where}: RLE segmentation has no 'size' [height, width].");
        if (size[0] < 0 || size[1] < 0) throw Bad(source, $"{where}: RLE size {size[0]}x{size[1]} is negative.");
        long total = (long)size[0] * size[1];
        if (counts is not null)
        {
            long sum = 0; foreach (uint c in counts) sum += c;
            if (sum != total) throw Bad(source, $"{where}: RLE counts sum to {sum}, but size {size[0]}x{size[1]} needs {total}.");
            return new CocoSegmentation { Kind = SegmentationKind.UncompressedRle, Counts = counts, H = size[0], W = size[1] };
        }
        if (countsString is null) throw Bad(source, $"{where}: RLE segmentation has no 'counts'.");
        // Only the sum is checked here: evaluation decodes the runs again into reused buffers, so keeping them would
        // double the loader's allocations for no gain (100,000 detections: about a second of a cold `eval`).
        long decoded = 0;
        try { foreach (uint c in Rle.DecodeCounts(countsString)) decoded += c; }
        catch (FormatException e) { throw Bad(source, $"{where}: {e.Message}."); }
        if (decoded != total) throw Bad(source, $"{where}: RLE counts sum to {decoded}, but size {size[0]}x{size[1]} needs {total}.");
        return new CocoSegmentation { Kind = SegmentationKind.CompressedRle, CountsString = countsString, H = size[0], W = size[1] };
    }

    private static double[] ReadNumbers(ref Utf8JsonReader r, string source, string where)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw Bad(source, $"{where} must be a list of numbers.");
        var v = new List<double>(16);
        while (Read(ref r, source) && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.Number) throw Bad(source, $"{where} must hold only numbers.");
            v.Add(r.GetDouble());
        }
        return v.ToArray();
    }

    private static int ReadInt(ref Utf8JsonReader r) => r.TryGetInt32(out int i) ? i : (int)r.GetDouble();

    private static double ReadDouble(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Number => r.GetDouble(),
        JsonTokenType.String => double.TryParse(r.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : double.NaN,
        _ => double.NaN,
    };

    private static void Expect(ref Utf8JsonReader r, JsonTokenType t, string source, string where)
    {
        if (r.TokenType != t) throw Bad(source, $"{where} is not a JSON object.");
    }

    private static bool Read(ref Utf8JsonReader r, string source)
    {
        if (!r.Read()) throw Bad(source, "the JSON ends early (truncated file?).");
        return true;
    }

    private static InvalidDataException Bad(string source, string problem) => new($"{source}: {problem}");
}
