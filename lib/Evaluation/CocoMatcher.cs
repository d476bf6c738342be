using MagvitSeg.Data.Coco;

namespace MagvitSeg.Evaluation;

/// <summary>What a detection counts as at one IoU threshold, once matched: all accumulate needs of dtMatches and dtIgnore.</summary>
internal enum DtOutcome : byte
{
    FalsePositive,
    TruePositive,
    Ignored,
}

/// <summary>The matching of one image, category and area range (pycocotools' evaluateImg output, as accumulate reads it).</summary>
internal sealed class EvalImage
{
    public required double[] DtScores;     // [D], sorted descending (stable); shared by the area ranges
    public required DtOutcome[] Outcomes;  // [T, D] flattened t*D + d
    public required int GtCount;           // ground truth not ignored: this image's share of npig
    public int D => DtScores.Length;
}

/// <summary>
/// pycocotools' evaluateImg for one image and category, per area range: at every IoU threshold each detection, by
/// score, takes the best still-free ground truth with IoU at or above it, non-ignored ground truth first. One matcher
/// per worker thread: its buffers are reused from one image to the next.
/// </summary>
internal sealed class CocoMatcher(double[] iouThrs)
{
    // The fields of one image and category that matching reads, copied out of the annotations once for all ranges.
    private double[] _gtArea = [], _dtArea = [];
    private bool[] _gtCrowd = [], _gtIdNonZero = [], _dtIdPositive = [];
    // Per area range: ground truth with the non-ignored first (stable), and the IoUs with columns in that order.
    private int[] _order = [];
    private bool[] _gtIgnore = [];      // in that order
    private bool[] _crowd = [];         // in that order
    private double[] _ious = [];        // [D, G]
    private double[] _best = [];        // [D]: a detection's largest IoU (NaN if any is NaN, so it is never skipped)
    private bool[] _taken = [];         // [T, G]: matched by a detection with a positive id (pycocotools' gtm > 0)

    /// <summary>The evaluations of one image and category for each area range, into <paramref name="into"/>[first + a * stride].</summary>
    public void Evaluate(CocoAnnotation[] gt, CocoAnnotation[] dt, double[] ious, (double Lo, double Hi)[] areaRanges, EvalImage?[] into, int first, int stride)
    {
        int G = gt.Length, D = dt.Length;
        if (G == 0 && D == 0) return;
        Grow(ref _gtArea, G); Grow(ref _gtCrowd, G); Grow(ref _gtIdNonZero, G);
        for (int g = 0; g < G; g++) { _gtArea[g] = gt[g].Area; _gtCrowd[g] = gt[g].IsCrowd; _gtIdNonZero[g] = gt[g].Id != 0; }
        Grow(ref _dtArea, D); Grow(ref _dtIdPositive, D);
        var scores = new double[D];
        for (int d = 0; d < D; d++) { scores[d] = dt[d].Score; _dtArea[d] = dt[d].Area; _dtIdPositive[d] = dt[d].Id > 0; }
        for (int a = 0; a < areaRanges.Length; a++)
            into[first + a * stride] = Evaluate(G, D, ious, areaRanges[a], scores);
    }

    private EvalImage Evaluate(int G, int D, double[] iousIn, (double Lo, double Hi) rng, double[] scores)
    {
        int T = iouThrs.Length;
        int gtCount = OrderGroundTruth(G, rng);
        var outcomes = new DtOutcome[T * D];
        if (G > 0 && D > 0)
        {
            Grow(ref _ious, D * G); Grow(ref _best, D);
            for (int d = 0; d < D; d++)
            {
                double best = double.NegativeInfinity;
                for (int g = 0; g < G; g++) best = Math.Max(best, _ious[d * G + g] = iousIn[d * G + _order[g]]);
                _best[d] = best;
            }
            Grow(ref _taken, T * G);
            Array.Clear(_taken, 0, T * G);
        }
        for (int t = 0; t < T; t++)
        {
            double thr = Math.Min(iouThrs[t], 1 - 1e-10);
            for (int d = 0; d < D; d++)
            {
                // Below the threshold with every ground truth: no match here nor at the higher thresholds.
                int m = G > 0 && !(_best[d] < thr) ? BestMatch(d, t, G, thr) : -1;
                bool ignored = false, matched = false;  // pycocotools' dtIg and dtm != 0 (dtm holds the GT id)
                if (m > -1)
                {
                    ignored = _gtIgnore[m];
                    matched = _gtIdNonZero[_order[m]];
                    _taken[t * G + m] = _dtIdPositive[d];
                }
                if (!matched && (_dtArea[d] < rng.Lo || _dtArea[d] > rng.Hi)) ignored = true;
                outcomes[t * D + d] = ignored ? DtOutcome.Ignored : matched ? DtOutcome.TruePositive : DtOutcome.FalsePositive;
            }
        }
        return new EvalImage { DtScores = scores, Outcomes = outcomes, GtCount = gtCount };
    }

    // The ground truth detection d takes at threshold thr, or -1. Once a non-ignored match is held, ignored ground
    // truth (sorted last) is not considered; ties go to the later one, as pycocotools' `if ious[dind, gind] < iou`.
    private int BestMatch(int d, int t, int G, double thr)
    {
        double iou = thr;
        int m = -1;
        for (int g = 0; g < G; g++)
        {
            if (_taken[t * G + g] && !_crowd[g]) continue;
            if (m > -1 && !_gtIgnore[m] && _gtIgnore[g]) break;
            double v = _ious[d * G + g];
            if (v < iou) continue;
            iou = v; m = g;
        }
        return m;
    }

    // Crowd ground truth and ground truth outside the area range are ignored, and sorted after the rest (stable).
    // Returns how many are not ignored.
    private int OrderGroundTruth(int G, (double Lo, double Hi) rng)
    {
        Grow(ref _order, G); Grow(ref _gtIgnore, G); Grow(ref _crowd, G);
        int p = 0, kept = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int g = 0; g < G; g++)
            {
                bool ig = _gtCrowd[g] || _gtArea[g] < rng.Lo || _gtArea[g] > rng.Hi;
                if (ig != (pass == 1)) continue;
                _order[p] = g; _gtIgnore[p] = ig; _crowd[p] = _gtCrowd[g]; p++;
                if (!ig) kept++;
            }
        return kept;
    }

    private static void Grow<T>(ref T[] buf, int n)
    {
        if (buf.Length < n) buf = new T[Math.Max(n, 2 * buf.Length)];
    }
}
