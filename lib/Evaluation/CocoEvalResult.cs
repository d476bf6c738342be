using System.Globalization;
using System.Text;

namespace MagvitSeg.Evaluation;

/// <summary>One category's numbers at area "all", maxDets 100 (pycocotools units: 0..1, -1 when undefined).</summary>
public sealed record CategoryAp(long CategoryId, string Name, double AP, double AP50, double AP75, double AR100);

/// <summary>
/// The accumulated evaluation: pycocotools' precision [T,R,K,A,M], recall [T,K,A,M] and scores arrays, the 12
/// summary stats, per-category APs and PR-curve points.
/// </summary>
public sealed class CocoEvalResult
{
    private readonly CocoEvaluator _ev;

    /// <summary>precision[t, r, k, a, m]; -1 where there is no ground truth.</summary>
    public double[,,,,] Precision { get; }
    /// <summary>recall[t, k, a, m]; -1 where there is no ground truth.</summary>
    public double[,,,] Recall { get; }
    /// <summary>scores[t, r, k, a, m]: the score at which each recall threshold is reached.</summary>
    public double[,,,,] Scores { get; }
    /// <summary>The 12 numbers of COCOeval.summarize(), in its order (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl).</summary>
    public double[] Stats { get; }
    /// <summary>The evaluation parameters.</summary>
    public CocoEvalParams Params => _ev.Params;

    internal CocoEvalResult(CocoEvaluator ev, double[,,,,] precision, double[,,,] recall, double[,,,,] scores)
    {
        _ev = ev; Precision = precision; Recall = recall; Scores = scores;
        int mLast = Params.MaxDets.Length - 1;
        int m0 = 0, m1 = Math.Min(1, mLast);
        Stats = new[]
        {
            Summ(true, null, "all", mLast), Summ(true, 0.5, "all", mLast), Summ(true, 0.75, "all", mLast),
            Summ(true, null, "small", mLast), Summ(true, null, "medium", mLast), Summ(true, null, "large", mLast),
            Summ(false, null, "all", m0), Summ(false, null, "all", m1), Summ(false, null, "all", mLast),
            Summ(false, null, "small", mLast), Summ(false, null, "medium", mLast), Summ(false, null, "large", mLast),
        };
    }

    // _summarize: mean over entries > -1 at the chosen IoU (exact match on the threshold value), area and maxDets.
    private double Summ(bool ap, double? iouThr, string area, int m, int? onlyK = null)
    {
        int a = Array.IndexOf(Params.AreaRngLbl, area);
        if (a < 0) return -1;
        int T = Params.IouThrs.Length, R = Params.RecThrs.Length, K = _ev.CategoryIds.Count;
        double sum = 0; long n = 0;
        for (int t = 0; t < T; t++)
        {
            if (iouThr is { } thr && Params.IouThrs[t] != thr) continue;
            for (int k = 0; k < K; k++)
            {
                if (onlyK is { } ok && k != ok) continue;
                if (ap)
                    for (int r = 0; r < R; r++) { double v = Precision[t, r, k, a, m]; if (v > -1) { sum += v; n++; } }
                else { double v = Recall[t, k, a, m]; if (v > -1) { sum += v; n++; } }
            }
        }
        return n == 0 ? -1 : sum / n;
    }

    /// <summary>AP, AP50, AP75 and AR@100 for every category (area all, the largest maxDets).</summary>
    public IReadOnlyList<CategoryAp> PerCategory()
    {
        int mLast = Params.MaxDets.Length - 1;
        var res = new List<CategoryAp>();
        for (int k = 0; k < _ev.CategoryIds.Count; k++)
        {
            long id = _ev.CategoryIds[k];
            res.Add(new CategoryAp(id, id == -1 && !Params.UseCats ? "(all categories)" : _ev.GroundTruth.CategoryById[id].Name,
                Summ(true, null, "all", mLast, k), Summ(true, 0.5, "all", mLast, k), Summ(true, 0.75, "all", mLast, k),
                Summ(false, null, "all", mLast, k)));
        }
        return res;
    }

    /// <summary>
    /// PR-curve points for plotting: the recall thresholds and the interpolated precision at one IoU threshold,
    /// averaged over categories with ground truth (or for one category), area "all", largest maxDets.
    /// </summary>
    public (double[] Recall, double[] Precision) PrCurve(double iouThr = 0.5, long? categoryId = null)
    {
        int t = Array.FindIndex(Params.IouThrs, v => Math.Abs(v - iouThr) < 1e-9);
        if (t < 0) throw new ArgumentException($"IoU threshold {iouThr} is not one of the evaluated thresholds.");
        int R = Params.RecThrs.Length, K = _ev.CategoryIds.Count, mLast = Params.MaxDets.Length - 1;
        var prec = new double[R];
        for (int r = 0; r < R; r++)
        {
            double s = 0; int n = 0;
            for (int k = 0; k < K; k++)
            {
                if (categoryId is { } c && _ev.CategoryIds[k] != c) continue;
                double v = Precision[t, r, k, 0, mLast];
                if (v > -1) { s += v; n++; }
            }
            prec[r] = n == 0 ? double.NaN : s / n;
        }
        return ((double[])Params.RecThrs.Clone(), prec);
    }

    /// <summary>The summary in pycocotools' print layout (12 lines).</summary>
    public string SummaryText()
    {
        var sb = new StringBuilder();
        var p = Params;
        string Iou(double? t) => t is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + "     "
            : $"{p.IouThrs[0].ToString("0.00", CultureInfo.InvariantCulture)}:{p.IouThrs[^1].ToString("0.00", CultureInfo.InvariantCulture)}";
        var rows = new (bool Ap, double? Thr, string Area, int MaxDet)[]
        {
            (true, null, "all", p.MaxDets[^1]), (true, 0.5, "all", p.MaxDets[^1]), (true, 0.75, "all", p.MaxDets[^1]),
            (true, null, "small", p.MaxDets[^1]), (true, null, "medium", p.MaxDets[^1]), (true, null, "large", p.MaxDets[^1]),
            (false, null, "all", p.MaxDets[0]), (false, null, "all", p.MaxDets[Math.Min(1, p.MaxDets.Length - 1)]), (false, null, "all", p.MaxDets[^1]),
            (false, null, "small", p.MaxDets[^1]), (false, null, "medium", p.MaxDets[^1]), (false, null, "large", p.MaxDets[^1]),
        };
        for (int i = 0; i < rows.Length; i++)
        {
            var (ap, thr, area, md) = rows[i];
            string title = ap ? "Average Precision" : "Average Recall";
            string type = ap ? "(AP)" : "(AR)";
            sb.Append(' ').Append($"{title,-18} {type} @[ IoU={Iou(thr),-9} | area={area,6} | maxDets={md,3} ] = ")
              .Append(Stats[i].ToString("0.000", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }
}
