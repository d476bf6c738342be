using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Models;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>COCO mask metrics of one head on one split, in COCO units x100 (NaN where COCOeval gives -1).</summary>
public sealed record HeadMetrics(double AP, double AP50, double AP75, double APs, double APm, double APl, double MIoU, int Detections)
{
    /// <summary>From an evaluator result and an mIoU (0..1).</summary>
    public static HeadMetrics From(CocoEvalResult r, SemanticMiouResult miou, int detections)
    {
        double P(double v) => v < 0 ? double.NaN : 100 * v;
        return new(P(r.Stats[0]), P(r.Stats[1]), P(r.Stats[2]), P(r.Stats[3]), P(r.Stats[4]), P(r.Stats[5]), P(miou.MIoU), detections);
    }
}

/// <summary>
/// Inference of a trained head over a split and its scoring: Mask2Former instance inference
/// (<see cref="InstancePredictor"/>), masks back at the original image size as compressed RLE, then
/// <see cref="CocoEvaluator"/> (segm) and <see cref="SemanticMiou"/> against the split's ground truth.
/// </summary>
public static class HeadEvaluation
{
    /// <summary>Predicts every image of <paramref name="set"/>; <paramref name="features"/> gives the maps of images [start, start+n).</summary>
    /// <returns>Detections completed like loadRes (ids, area, bbox), ready to evaluate or write as a results file.</returns>
    public static List<CocoAnnotation> Predict(MaskHead head, Func<int, int, List<Tensor>> features, CocoImageSet set, Device device,
        PredictConfig? config = null, int chunk = 16)
    {
        config ??= new PredictConfig();
        head.eval();
        var dets = new List<CocoAnnotation>();
        using var noGrad = no_grad();
        for (int start = 0; start < set.Count; start += chunk)
        {
            int n = Math.Min(chunk, set.Count - start);
            using var scope = NewDisposeScope();
            var feats = features(start, n).Select(f => f.to(device)).ToList();
            var output = head.forward(feats);
            var geometry = Enumerable.Range(start, n).Select(i => set.Geometry[i].ToGeometry(set.Size)).ToList();
            var perImage = InstancePredictor.Predict(output, geometry, config);
            for (int j = 0; j < n; j++) dets.AddRange(ToAnnotations(perImage[j], set, start + j));
        }
        CocoJson.CompleteResults(dets, "head predictions", set.LoadedGt);
        return dets;
    }

    /// <summary>One image's detections as COCO results: its image id, the class's COCO category id, compressed RLE.</summary>
    public static IEnumerable<CocoAnnotation> ToAnnotations(IEnumerable<InstanceDetection> detections, CocoImageSet set, int index)
    {
        long imageId = set.Geometry[index].ImageId;
        return detections.Select(d => new CocoAnnotation
        {
            ImageId = imageId, CategoryId = set.CategoryIds[d.Category], Score = d.Score,
            Segmentation = CocoSegmentation.FromRle(Rle.EncodeRowMajor(d.Mask, d.Height, d.Width)),
        });
    }

    /// <summary>Segm AP family and mIoU of detections on the split's loaded images.</summary>
    public static (HeadMetrics Metrics, CocoEvalResult Coco) Score(IReadOnlyList<CocoAnnotation> dets, CocoImageSet set)
    {
        var coco = new CocoEvaluator(set.LoadedGt, dets, IouType.Segm).Run();
        var miou = SemanticMiou.Compute(set.LoadedGt, dets);
        return (HeadMetrics.From(coco, miou, dets.Count), coco);
    }
}
