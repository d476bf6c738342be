namespace MagvitSeg.Data.Coco;

/// <summary>A COCO image record.</summary>
public sealed record CocoImage(long Id, int Width, int Height, string FileName);

/// <summary>A COCO category.</summary>
public sealed record CocoCategory(long Id, string Name, string Supercategory);

/// <summary>How an annotation's mask is given.</summary>
public enum SegmentationKind
{
    /// <summary>No segmentation field.</summary>
    None,
    /// <summary>One or more polygons [x0, y0, x1, y1, ...].</summary>
    Polygons,
    /// <summary>RLE with a list of run lengths (COCO uses it for crowds).</summary>
    UncompressedRle,
    /// <summary>RLE with the compressed string form of the runs.</summary>
    CompressedRle,
}

/// <summary>An annotation's segmentation, kept in its file form until a mask is needed.</summary>
public sealed class CocoSegmentation
{
    /// <summary>The form.</summary>
    public SegmentationKind Kind { get; init; }
    /// <summary>Polygons, for <see cref="SegmentationKind.Polygons"/>.</summary>
    public double[][]? Polygons { get; init; }
    /// <summary>Runs, for <see cref="SegmentationKind.UncompressedRle"/>.</summary>
    public uint[]? Counts { get; init; }
    /// <summary>
    /// The compressed string's ASCII bytes, for <see cref="SegmentationKind.CompressedRle"/>. A loaded file's
    /// detections point into the file's own bytes rather than each holding a string: 100,000 of them would otherwise
    /// be 100,000 strings to allocate and transcode, about half of a cold `eval`'s loading time.
    /// </summary>
    public ReadOnlyMemory<byte> CompressedCounts { get; init; }
    /// <summary>The compressed string as text (allocates; for display and keys).</summary>
    public string? CountsString => Kind == SegmentationKind.CompressedRle ? System.Text.Encoding.ASCII.GetString(CompressedCounts.Span) : null;
    /// <summary>RLE height (RLE forms only).</summary>
    public int H { get; init; }
    /// <summary>RLE width (RLE forms only).</summary>
    public int W { get; init; }

    /// <summary>
    /// The mask as RLE, as pycocotools' annToRLE makes it: polygons are rasterised at the image's size and merged;
    /// RLE forms keep their own size.
    /// </summary>
    public Rle ToRle(int imageHeight, int imageWidth) => Kind switch
    {
        SegmentationKind.Polygons => Rle.FromPolygons(Polygons!, imageHeight, imageWidth),
        SegmentationKind.UncompressedRle => new Rle(H, W, Counts!),
        SegmentationKind.CompressedRle => Rle.FromCompressedBytes(CompressedCounts.Span, H, W),
        _ => throw new InvalidOperationException("annotation has no segmentation"),
    };

    /// <summary>The mask as <see cref="ToRle"/> makes it, prepared for IoU.</summary>
    public RleIouMask ToIouMask(int imageHeight, int imageWidth)
    {
        var m = new RleIouMask();
        LoadInto(m, imageHeight, imageWidth);
        return m;
    }

    /// <summary>Loads the mask into a reused <see cref="RleIouMask"/>; compressed strings are read without allocating.</summary>
    public void LoadInto(RleIouMask mask, int imageHeight, int imageWidth)
    {
        switch (Kind)
        {
            case SegmentationKind.CompressedRle: mask.Load(Rle.DecodeCounts(CompressedCounts.Span), H, W); break;
            case SegmentationKind.UncompressedRle: mask.Load(Counts!, H, W); break;
            default: var rle = ToRle(imageHeight, imageWidth); mask.Load(rle.Counts, rle.H, rle.W); break;
        }
    }

    /// <summary>A compressed-RLE segmentation from a mask.</summary>
    public static CocoSegmentation FromRle(Rle rle) =>
        new() { Kind = SegmentationKind.CompressedRle, CompressedCounts = rle.ToCompressedBytes(), H = rle.H, W = rle.W };
}

/// <summary>A ground-truth annotation or a detection (results files carry a score).</summary>
public sealed class CocoAnnotation
{
    /// <summary>Annotation id (detections: 1-based position in the results file, as pycocotools' loadRes assigns).</summary>
    public long Id { get; set; }
    /// <summary>The image.</summary>
    public long ImageId { get; init; }
    /// <summary>The category.</summary>
    public long CategoryId { get; init; }
    /// <summary>The mask, if any.</summary>
    public CocoSegmentation? Segmentation { get; set; }
    /// <summary>[x, y, w, h], if given.</summary>
    public double[]? Bbox { get; set; }
    /// <summary>Area (ground truth: the file's field; detections: set by the loader as pycocotools does).</summary>
    public double Area { get; set; }
    /// <summary>Crowd region (ground truth only).</summary>
    public bool IsCrowd { get; init; }
    /// <summary>Detection confidence (results only).</summary>
    public double Score { get; init; }
    /// <summary>Position of the record in its file's list, for error messages.</summary>
    public int Index { get; init; }
}

/// <summary>A COCO instances file: images, annotations, categories, with lookups.</summary>
public sealed class CocoDataset
{
    /// <summary>Where it was read from (for messages).</summary>
    public string Source { get; }
    /// <summary>Images in file order.</summary>
    public IReadOnlyList<CocoImage> Images { get; }
    /// <summary>Annotations in file order.</summary>
    public IReadOnlyList<CocoAnnotation> Annotations { get; }
    /// <summary>Categories in file order.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }
    /// <summary>Images by id.</summary>
    public IReadOnlyDictionary<long, CocoImage> ImageById { get; }
    /// <summary>Categories by id.</summary>
    public IReadOnlyDictionary<long, CocoCategory> CategoryById { get; }

    /// <summary>Builds a dataset; ids must be unique and annotations must point at known images.</summary>
    /// <exception cref="InvalidDataException">Duplicate ids or an annotation of an unknown image (names source and record).</exception>
    public CocoDataset(string source, IReadOnlyList<CocoImage> images, IReadOnlyList<CocoAnnotation> annotations, IReadOnlyList<CocoCategory> categories)
    {
        Source = source; Images = images; Annotations = annotations; Categories = categories;
        var ib = new Dictionary<long, CocoImage>(images.Count);
        for (int i = 0; i < images.Count; i++)
            if (!ib.TryAdd(images[i].Id, images[i]))
                throw new InvalidDataException($"{source}: images[{i}] repeats image id {images[i].Id}.");
        var cb = new Dictionary<long, CocoCategory>(categories.Count);
        for (int i = 0; i < categories.Count; i++)
            if (!cb.TryAdd(categories[i].Id, categories[i]))
                throw new InvalidDataException($"{source}: categories[{i}] repeats category id {categories[i].Id}.");
        ImageById = ib; CategoryById = cb;
        foreach (var a in annotations)
        {
            if (!ib.TryGetValue(a.ImageId, out var img))
                throw new InvalidDataException($"{source}: annotations[{a.Index}] (id {a.Id}) refers to image_id {a.ImageId}, which is not in 'images'.");
            // pycocotools would fail later inside its IoU with a size error that names no annotation.
            if (a.Segmentation is { Kind: SegmentationKind.CompressedRle or SegmentationKind.UncompressedRle } rle && (rle.H != img.Height || rle.W != img.Width))
                throw new InvalidDataException($"{source}: annotations[{a.Index}] (id {a.Id}): 'segmentation.size' is [{rle.H}, {rle.W}], " +
                                               $"but image {img.Id} is {img.Height} high and {img.Width} wide; expected [{img.Height}, {img.Width}].");
        }
    }
}
