using MagvitSeg.Config;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Models.Head;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>COCO mask metrics of one head on one split, in COCO units x100 (NaN where COCOeval gives -1).</summary>
/// <param name="AP">Mask AP at IoU 0.50:0.95.</param>
/// <param name="AP50">Mask AP at IoU 0.50.</param>
/// <param name="AP75">Mask AP at IoU 0.75.</param>
/// <param name="APs">AP of small objects.</param>
/// <param name="APm">AP of medium objects.</param>
/// <param name="APl">AP of large objects.</param>
/// <param name="MIoU">Semantic mIoU (<see cref="SemanticMiou"/>).</param>
/// <param name="Detections">Detections evaluated.</param>
/// <param name="APAgnostic">Mask AP with the classes ignored (useCats = 0) over one detection per query: how well the
/// objects are found and segmented, whatever they are called.</param>
public sealed record HeadMetrics(double AP, double AP50, double AP75, double APs, double APm, double APl, double MIoU, int Detections,
    double APAgnostic = double.NaN)
{
    /// <summary>From an evaluator result, an mIoU (0..1) and the class-agnostic evaluation.</summary>
    public static HeadMetrics From(CocoEvalResult r, SemanticMiouResult miou, int detections, CocoEvalResult? agnostic = null)
    {
        double P(double v) => v < 0 ? double.NaN : 100 * v;
        return new(P(r.Stats[0]), P(r.Stats[1]), P(r.Stats[2]), P(r.Stats[3]), P(r.Stats[4]), P(r.Stats[5]), P(miou.MIoU), detections,
            agnostic is null ? double.NaN : P(agnostic.Stats[0]));
    }
}

/// <summary>
/// Inference of a trained head over a split and its scoring: Mask2Former instance inference
/// (<see cref="InstancePredictor"/>), masks back at the original image size as compressed RLE, then
/// <see cref="CocoEvaluator"/> (segm) and <see cref="SemanticMiou"/> against the split's ground truth.
/// </summary>
public static class HeadEvaluation
{
    /// <summary>Changes whenever <see cref="Score"/> reports something new, so that stored evaluations are redone (2: class-agnostic AP).</summary>
    public const int MetricsVersion = 2;

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

    /// <summary>Segm AP family, mIoU and class-agnostic AP of detections on the split's loaded images.</summary>
    public static (HeadMetrics Metrics, CocoEvalResult Coco) Score(IReadOnlyList<CocoAnnotation> dets, CocoImageSet set)
    {
        var coco = new CocoEvaluator(set.LoadedGt, dets, IouType.Segm).Run();
        var miou = SemanticMiou.Compute(set.LoadedGt, dets);
        var agnostic = new CocoEvaluator(set.LoadedGt, OnePerMask(dets), IouType.Segm, new CocoEvalParams { UseCats = false }).Run();
        return (HeadMetrics.From(coco, miou, dets.Count, agnostic), coco);
    }

    /// <summary>
    /// The best-scored detection of each distinct mask of an image. Mask2Former's inference gives a query one detection
    /// per class it scores highly, all with the query's mask; without classes the copies would count as false positives.
    /// </summary>
    public static List<CocoAnnotation> OnePerMask(IReadOnlyList<CocoAnnotation> dets)
    {
        var best = new Dictionary<(long Image, string Mask), CocoAnnotation>();
        var order = new List<(long, string)>();
        foreach (var d in dets)
        {
            var key = (d.ImageId, d.Segmentation?.CountsString ?? throw new ArgumentException($"Detection {d.Id} of image {d.ImageId} has no compressed-RLE mask."));
            if (!best.TryGetValue(key, out var b)) { best[key] = d; order.Add(key); }
            else if (d.Score > b.Score) best[key] = d;
        }
        return order.Select(k => best[k]).ToList();
    }
}
