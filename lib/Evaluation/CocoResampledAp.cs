namespace MagvitSeg.Evaluation;

/// <summary>
/// COCO AP re-accumulated on a multiset of the evaluated images, for bootstrap intervals. The per-image matching
/// (<see cref="CocoEvaluator.Evaluate"/>: IoUs and greedy matches, the expensive part) does not depend on which other
/// images are in the set, so it is done once; a resample only re-runs pycocotools' accumulate over the drawn images'
/// evaluations. An image drawn twice contributes its ground truth to npig twice and its detections to the ranking twice,
/// exactly as a dataset holding two copies of it would (tested against such a dataset).
/// </summary>
public sealed class CocoResampledAp
{
    private readonly CocoEvaluator _ev;
    private readonly EvalImage?[] _evalImgs;
    private readonly int _k, _a, _i;

    /// <summary>Evaluates (matches) every image once.</summary>
    public CocoResampledAp(CocoEvaluator evaluator)
    {
        _ev = evaluator;
        if (evaluator.EvalImgs is null) evaluator.Evaluate();
        _evalImgs = evaluator.EvalImgs!;
        _k = evaluator.CategoryIds.Count; _a = evaluator.Params.AreaRng.Length; _i = evaluator.ImageIds.Count;
    }

    /// <summary>Images evaluated (the bootstrap draws this many).</summary>
    public int Images => _i;

    /// <summary>
    /// The accumulated result over the images at <paramref name="imageIndices"/> (positions in
    /// <see cref="CocoEvaluator.ImageIds"/>, repeats allowed, exactly <see cref="Images"/> of them: a bootstrap
    /// resample). Ties in score are ranked in the order of <paramref name="imageIndices"/>, so pass them sorted.
    /// </summary>
    public CocoEvalResult Accumulate(IReadOnlyList<int> imageIndices)
    {
        if (imageIndices.Count != _i)
            throw new ArgumentException($"CocoResampledAp: a resample holds as many images as the evaluation ({_i}), got {imageIndices.Count}.");
        var slots = new EvalImage?[_k * _a * _i];
        for (int ka = 0; ka < _k * _a; ka++)
            for (int j = 0; j < _i; j++)
            {
                int src = imageIndices[j];
                if ((uint)src >= (uint)_i) throw new ArgumentOutOfRangeException(nameof(imageIndices), src, $"image index outside 0..{_i - 1}");
                slots[ka * _i + j] = _evalImgs[ka * _i + src];
            }
        return CocoAccumulator.Accumulate(_ev, slots);
    }

    /// <summary>Mask/box AP at IoU 0.50:0.95 (COCO units 0..1; -1 when undefined, as COCOeval) on a resample.</summary>
    public double AP(IReadOnlyList<int> imageIndices) => Accumulate(imageIndices).Stats[0];
}
