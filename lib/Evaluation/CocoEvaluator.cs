using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>The matching of one image, category and area range (pycocotools' evaluateImg output).</summary>
internal sealed class EvalImage
{
    public required double[] DtScores;     // [D], sorted descending (stable)
    public required bool[] DtMatched;      // [T, D] flattened t*D + d: matched to a GT whose id is non-zero
    public required bool[] DtIgnore;       // [T, D]
    public required bool[] GtIgnore;       // [G]
    public int D => DtScores.Length;
}

/// <summary>
/// COCO evaluation with pycocotools' exact semantics (COCOeval.evaluate / accumulate / summarize) for segm and bbox.
/// <see cref="Evaluate"/> computes IoUs and greedy matches per image and category, <see cref="Accumulate"/> turns
/// them into precision/recall tables, and <see cref="CocoEvalResult.Stats"/> holds the 12 summary numbers.
/// Both cores are used; numbers match pycocotools to 1e-9 on the parity fixtures.
/// </summary>
public sealed class CocoEvaluator
{
    private readonly CocoDataset _gt;
    private readonly IReadOnlyList<CocoAnnotation> _dt;
    private readonly long[] _imgIds, _catIds;
    internal EvalImage?[]? EvalImgs;       // [K, A, I] flattened

    /// <summary>What is compared.</summary>
    public IouType IouType { get; }
    /// <summary>The parameters.</summary>
    public CocoEvalParams Params { get; }
    /// <summary>Sorted image ids evaluated (all ground-truth images).</summary>
    public IReadOnlyList<long> ImageIds => _imgIds;
    /// <summary>Sorted category ids evaluated (all ground-truth categories).</summary>
    public IReadOnlyList<long> CategoryIds => _catIds;
    /// <summary>The ground truth.</summary>
    public CocoDataset GroundTruth => _gt;

    /// <summary>An evaluator over a ground truth and detections completed by <see cref="CocoJson.CompleteResults"/>.</summary>
    public CocoEvaluator(CocoDataset gt, IReadOnlyList<CocoAnnotation> dt, IouType iouType, CocoEvalParams? parameters = null)
    {
        _gt = gt; _dt = dt; IouType = iouType; Params = parameters ?? new CocoEvalParams();
        _imgIds = gt.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToArray();
        _catIds = gt.Categories.Select(c => c.Id).Distinct().OrderBy(c => c).ToArray();
        Params = Params with { MaxDets = Params.MaxDets.OrderBy(m => m).ToArray() };
    }

    /// <summary>Evaluate, accumulate and summarize in one call.</summary>
    public CocoEvalResult Run()
    {
        Evaluate();
        return Accumulate();
    }

    /// <summary>Per image and category: IoUs, then greedy matching for every area range (pycocotools' evaluate).</summary>
    public void Evaluate()
    {
        int I = _imgIds.Length, K = _catIds.Length, A = Params.AreaRng.Length;
        var imgIndex = new Dictionary<long, int>(I);
        for (int i = 0; i < I; i++) imgIndex[_imgIds[i]] = i;
        var catIndex = new Dictionary<long, int>(K);
        for (int k = 0; k < K; k++) catIndex[_catIds[k]] = k;

        // Group by (image, category), keeping file order within an image as pycocotools' getAnnIds does.
        var gts = new List<CocoAnnotation>?[I * K];
        var dts = new List<CocoAnnotation>?[I * K];
        foreach (var g in _gt.Annotations)
            if (imgIndex.TryGetValue(g.ImageId, out int i) && catIndex.TryGetValue(g.CategoryId, out int k))
                (gts[i * K + k] ??= new()).Add(g);
        foreach (var d in _dt)
            if (imgIndex.TryGetValue(d.ImageId, out int i) && catIndex.TryGetValue(d.CategoryId, out int k))
                (dts[i * K + k] ??= new()).Add(d);

        var evalImgs = new EvalImage?[K * A * I];
        int maxDet = Params.MaxDets[^1];
        Parallel.For(0, I, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var img = _gt.ImageById[_imgIds[i]];
            for (int k = 0; k < K; k++)
            {
                var g = gts[i * K + k];
                var d = dts[i * K + k];
                if (g is null && d is null) continue;
                var gl = (IReadOnlyList<CocoAnnotation>?)g ?? Array.Empty<CocoAnnotation>();
                var dl = SortByScore(d, maxDet);
                double[] ious = ComputeIou(img, gl, dl);
                for (int a = 0; a < A; a++)
                    evalImgs[(k * A + a) * I + i] = EvaluateImg(gl, dl, ious, Params.AreaRng[a], maxDet);
            }
        });
        EvalImgs = evalImgs;
    }

    // Descending score, stable (numpy mergesort on -score), truncated to the largest maxDet.
    private static CocoAnnotation[] SortByScore(List<CocoAnnotation>? d, int maxDet)
    {
        if (d is null) return Array.Empty<CocoAnnotation>();
        var arr = d.ToArray();
        var order = new int[arr.Length];
        for (int j = 0; j < order.Length; j++) order[j] = j;
        Array.Sort(order, (x, y) => { int c = arr[y].Score.CompareTo(arr[x].Score); return c != 0 ? c : x.CompareTo(y); });
        int n = Math.Min(arr.Length, maxDet);
        var res = new CocoAnnotation[n];
        for (int j = 0; j < n; j++) res[j] = arr[order[j]];
        return res;
    }

    // IoU matrix [D, G] (row-major), GT in original order. Masks are made per call: every annotation belongs to
    // exactly one (image, category) pair, so nothing is computed twice.
    private double[] ComputeIou(CocoImage img, IReadOnlyList<CocoAnnotation> gt, CocoAnnotation[] dt)
    {
        int D = dt.Length, G = gt.Count;
        var ious = new double[D * G];
        if (D == 0 || G == 0) return ious;
        if (IouType == IouType.Bbox)
        {
            for (int d = 0; d < D; d++)
            {
                var db = dt[d].Bbox ?? throw new InvalidDataException($"detection {dt[d].Id} has no bbox for bbox evaluation.");
                for (int g = 0; g < G; g++)
                {
                    var gb = gt[g].Bbox ?? throw new InvalidDataException($"{_gt.Source}: annotation id {gt[g].Id} has no bbox, needed for bbox evaluation.");
                    ious[d * G + g] = Rle.BoxIou(db, gb, gt[g].IsCrowd);
                }
            }
            return ious;
        }
        var gr = new Rle[G]; var gbb = new double[G][];
        for (int g = 0; g < G; g++)
        {
            var seg = gt[g].Segmentation ?? throw new InvalidDataException($"{_gt.Source}: annotation id {gt[g].Id} has no segmentation, needed for segm evaluation.");
            gr[g] = seg.ToRle(img.Height, img.Width);
            gbb[g] = gr[g].ToBbox();
        }
        for (int d = 0; d < D; d++)
        {
            var dr = dt[d].Segmentation!.ToRle(img.Height, img.Width);
            var dbb = dr.ToBbox();
            for (int g = 0; g < G; g++)
            {
                // maskApi.c only runs the RLE comparison where the boxes overlap.
                if (Rle.BoxIou(dbb, gbb[g], gt[g].IsCrowd) > 0)
                    ious[d * G + g] = Rle.Iou(dr, gr[g], gt[g].IsCrowd);
            }
        }
        return ious;
    }

    private EvalImage? EvaluateImg(IReadOnlyList<CocoAnnotation> gtIn, CocoAnnotation[] dtIn, double[] iousIn, (double Lo, double Hi) rng, int maxDet)
    {
        int G = gtIn.Count, Dall = dtIn.Length;
        if (G == 0 && Dall == 0) return null;
        // Non-ignored GT first, stable.
        var gtIgAll = new bool[G];
        for (int g = 0; g < G; g++) gtIgAll[g] = gtIn[g].IsCrowd || gtIn[g].Area < rng.Lo || gtIn[g].Area > rng.Hi;
        var gind = new int[G];
        int p = 0;
        for (int g = 0; g < G; g++) if (!gtIgAll[g]) gind[p++] = g;
        for (int g = 0; g < G; g++) if (gtIgAll[g]) gind[p++] = g;
        int D = Math.Min(Dall, maxDet);
        int T = Params.IouThrs.Length;
        var gtIg = new bool[G];
        var crowd = new bool[G];
        for (int g = 0; g < G; g++) { gtIg[g] = gtIgAll[gind[g]]; crowd[g] = gtIn[gind[g]].IsCrowd; }
        var gtm = new long[T * G];
        var dtMatched = new bool[T * D];
        var dtIg = new bool[T * D];
        var dtMatchedAny = new bool[T * D];
        if (G > 0 && D > 0)
        {
            for (int t = 0; t < T; t++)
            {
                double thr = Params.IouThrs[t];
                for (int d = 0; d < D; d++)
                {
                    double iou = Math.Min(thr, 1 - 1e-10);
                    int m = -1;
                    for (int g = 0; g < G; g++)
                    {
                        if (gtm[t * G + g] > 0 && !crowd[g]) continue;
                        if (m > -1 && !gtIg[m] && gtIg[g]) break;
                        double v = iousIn[d * G + gind[g]];
                        if (v < iou) continue;
                        iou = v; m = g;
                    }
                    if (m == -1) continue;
                    dtIg[t * D + d] = gtIg[m];
                    // pycocotools stores the GT id and tests it against 0, so a GT with id 0 counts as unmatched.
                    dtMatched[t * D + d] = gtIn[gind[m]].Id != 0;
                    dtMatchedAny[t * D + d] = true;
                    gtm[t * G + m] = dtIn[d].Id;
                }
            }
        }
        var scores = new double[D];
        for (int d = 0; d < D; d++)
        {
            scores[d] = dtIn[d].Score;
            bool outside = dtIn[d].Area < rng.Lo || dtIn[d].Area > rng.Hi;
            if (!outside) continue;
            for (int t = 0; t < T; t++)
                if (!dtMatched[t * D + d]) dtIg[t * D + d] = true;
        }
        return new EvalImage { DtScores = scores, DtMatched = dtMatched, DtIgnore = dtIg, GtIgnore = gtIg };
    }

    /// <summary>Precision/recall tables over all images (pycocotools' accumulate) and the 12 summary stats.</summary>
    public CocoEvalResult Accumulate()
    {
        if (EvalImgs is null) Evaluate();
        return CocoAccumulator.Accumulate(this, EvalImgs!);
    }
}
