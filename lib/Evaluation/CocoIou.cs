using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>
/// pycocotools' computeIoU for one image and category: the IoU of every detection (rows, by score) with every ground
/// truth (columns, file order), as maskUtils.iou computes it for masks (rleIou) or boxes (bbIou).
/// </summary>
internal static class CocoIou
{
    // One detection mask buffer per thread: detections are compared with the ground truth one at a time.
    [ThreadStatic] private static RleIouMask? DtMask;

    /// <summary>The [D, G] matrix, row-major; all zeros when either side is empty.</summary>
    public static double[] Compute(IouType type, CocoImage img, CocoAnnotation[] gt, CocoAnnotation[] dt, string gtSource)
    {
        var ious = new double[dt.Length * gt.Length];
        if (ious.Length == 0) return ious;
        if (type == IouType.Bbox) Boxes(gt, dt, gtSource, ious);
        else Masks(img, gt, dt, gtSource, ious);
        return ious;
    }

    private static void Boxes(CocoAnnotation[] gt, CocoAnnotation[] dt, string gtSource, double[] ious)
    {
        int G = gt.Length;
        for (int d = 0; d < dt.Length; d++)
        {
            var db = dt[d].Bbox ?? throw new InvalidDataException($"detection {dt[d].Id} has no bbox for bbox evaluation.");
            for (int g = 0; g < G; g++)
            {
                var gb = gt[g].Bbox ?? throw new InvalidDataException($"{gtSource}: annotation id {gt[g].Id} has no bbox, needed for bbox evaluation.");
                ious[d * G + g] = Rle.BoxIou(db, gb, gt[g].IsCrowd);
            }
        }
    }

    // Masks are made here, once each: every annotation belongs to exactly one (image, category) pair.
    private static void Masks(CocoImage img, CocoAnnotation[] gt, CocoAnnotation[] dt, string gtSource, double[] ious)
    {
        int G = gt.Length;
        var gm = new RleIouMask[G];
        for (int g = 0; g < G; g++)
        {
            var seg = gt[g].Segmentation ?? throw new InvalidDataException($"{gtSource}: annotation id {gt[g].Id} has no segmentation, needed for segm evaluation.");
            gm[g] = seg.ToIouMask(img.Height, img.Width);
        }
        var dm = DtMask ??= new();
        for (int d = 0; d < dt.Length; d++)
        {
            dt[d].Segmentation!.LoadInto(dm, img.Height, img.Width);
            for (int g = 0; g < G; g++)
            {
                // maskApi.c only runs the RLE comparison where the boxes overlap.
                if (Rle.BoxIou(dm.Bbox, gm[g].Bbox, gt[g].IsCrowd) > 0)
                    ious[d * G + g] = RleIouMask.Iou(dm, gm[g], gt[g].IsCrowd);
            }
        }
    }
}
