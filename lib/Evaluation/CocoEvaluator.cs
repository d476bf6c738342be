using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

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
    private readonly long[] _imgIds, _catIds, _gtCatIds;
    internal EvalImage?[]? EvalImgs;       // [K, A, I] flattened

    /// <summary>What is compared.</summary>
    public IouType IouType { get; }
    /// <summary>The parameters.</summary>
    public CocoEvalParams Params { get; }
    /// <summary>Sorted image ids evaluated (all ground-truth images).</summary>
    public IReadOnlyList<long> ImageIds => _imgIds;
    /// <summary>Sorted category ids evaluated (all ground-truth categories), or { -1 } when <see cref="CocoEvalParams.UseCats"/> is off.</summary>
    public IReadOnlyList<long> CategoryIds => _catIds;
    /// <summary>The ground truth.</summary>
    public CocoDataset GroundTruth => _gt;

    /// <summary>An evaluator over a ground truth and detections completed by <see cref="CocoJson.CompleteResults"/>.</summary>
    public CocoEvaluator(CocoDataset gt, IReadOnlyList<CocoAnnotation> dt, IouType iouType, CocoEvalParams? parameters = null)
    {
        _gt = gt; _dt = dt; IouType = iouType; Params = parameters ?? new CocoEvalParams();
        _imgIds = gt.Images.Select(i => i.Id).Distinct().OrderBy(i => i).ToArray();
        _gtCatIds = gt.Categories.Select(c => c.Id).Distinct().OrderBy(c => c).ToArray();
        _catIds = Params.UseCats ? _gtCatIds : [-1];
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
        var (gts, dts) = GroupByImageAndCategory();
        var evalImgs = new EvalImage?[K * A * I];
        int maxDet = Params.MaxDets[^1];
        // Images are independent; each worker has its own matcher buffers and writes only its images' slots.
        Parallel.For(0, I, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new CocoMatcher(Params.IouThrs),
            (i, _, matcher) =>
            {
                var img = _gt.ImageById[_imgIds[i]];
                for (int k = 0; k < K; k++)
                {
                    var gl = gts[i * K + k] ?? [];
                    var dl = SortByScore(dts[i * K + k], maxDet);
                    if (gl.Length == 0 && dl.Length == 0) continue;
                    double[] ious = CocoIou.Compute(IouType, img, gl, dl, _gt.Source);
                    matcher.Evaluate(gl, dl, ious, Params.AreaRng, evalImgs, k * A * I + i, I);
                }
                return matcher;
            },
            _ => { });
        EvalImgs = evalImgs;
    }

    // Annotations of each (image, category) pair, [I * K], in file order within an image as pycocotools' getAnnIds
    // keeps them; null where there are none. Without categories (K = 1) an image's annotations are pooled category by
    // category in ascending id, each in file order, as evaluateImg concatenates _gts[imgId, cId] over p.catIds, and
    // annotations of categories the ground truth does not have are left out as there.
    private (CocoAnnotation[]?[] Gts, CocoAnnotation[]?[] Dts) GroupByImageAndCategory()
    {
        int I = _imgIds.Length, K = _catIds.Length;
        var imgIndex = new Dictionary<long, int>(I);
        for (int i = 0; i < I; i++) imgIndex[_imgIds[i]] = i;
        var catIndex = new Dictionary<long, int>(_gtCatIds.Length);
        for (int k = 0; k < _gtCatIds.Length; k++) catIndex[_gtCatIds[k]] = k;
        bool pooled = !Params.UseCats;
        CocoAnnotation[]?[] Group(IReadOnlyList<CocoAnnotation> anns)
        {
            if (pooled)
                anns = anns.Where(a => catIndex.ContainsKey(a.CategoryId)).OrderBy(a => catIndex[a.CategoryId]).ToArray(); // stable
            var slot = new int[anns.Count];
            var count = new int[I * K];
            for (int j = 0; j < anns.Count; j++)
            {
                var a = anns[j];
                slot[j] = imgIndex.TryGetValue(a.ImageId, out int i) && catIndex.TryGetValue(a.CategoryId, out int k) ? i * K + (pooled ? 0 : k) : -1;
                if (slot[j] >= 0) count[slot[j]]++;
            }
            var groups = new CocoAnnotation[]?[I * K];
            var filled = new int[I * K];
            for (int j = 0; j < anns.Count; j++)
            {
                int s = slot[j];
                if (s >= 0) (groups[s] ??= new CocoAnnotation[count[s]])[filled[s]++] = anns[j];
            }
            return groups;
        }
        CocoAnnotation[]?[] gts = [], dts = [];
        Parallel.Invoke(() => gts = Group(_gt.Annotations), () => dts = Group(_dt));
        return (gts, dts);
    }

    // Descending score, stable (numpy mergesort on -score), truncated to the largest maxDet.
    private static CocoAnnotation[] SortByScore(CocoAnnotation[]? d, int maxDet)
    {
        if (d is null) return [];
        var order = new ScoreKey[d.Length];
        for (int j = 0; j < d.Length; j++) order[j] = new ScoreKey(d[j].Score, j);
        order.AsSpan().Sort();
        var res = new CocoAnnotation[Math.Min(d.Length, maxDet)];
        for (int j = 0; j < res.Length; j++) res[j] = d[order[j].Index];
        return res;
    }

    /// <summary>Precision/recall tables over all images (pycocotools' accumulate) and the 12 summary stats.</summary>
    public CocoEvalResult Accumulate()
    {
        if (EvalImgs is null) Evaluate();
        return CocoAccumulator.Accumulate(this, EvalImgs!);
    }
}
