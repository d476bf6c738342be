using System.Runtime.InteropServices;

namespace MagvitSeg.Evaluation;

/// <summary>
/// pycocotools' accumulate: per category, area range, maxDets and IoU threshold, the detections of all images ranked
/// by score give cumulative true and false positives, and the precision envelope is sampled at the recall thresholds.
/// Categories are ranked in parallel, then (category, area range) cells are filled in parallel: each writes only its
/// own entries of the output arrays.
/// </summary>
internal sealed class CocoAccumulator
{
    private const double Eps = 2.220446049250313e-16; // np.spacing(1)

    private readonly CocoEvalParams _p;
    private readonly EvalImage?[] _evalImgs;   // [K, A, I]
    private readonly int _I, _A, _T, _R;
    private readonly RankedDetections?[] _ranked;
    private readonly double[,,,,] _precision, _scores;
    private readonly double[,,,] _recall;

    private CocoAccumulator(CocoEvaluator ev, EvalImage?[] evalImgs)
    {
        _p = ev.Params; _evalImgs = evalImgs;
        int K = ev.CategoryIds.Count, M = _p.MaxDets.Length;
        _I = ev.ImageIds.Count; _A = _p.AreaRng.Length; _T = _p.IouThrs.Length; _R = _p.RecThrs.Length;
        _precision = new double[_T, _R, K, _A, M];
        _recall = new double[_T, K, _A, M];
        _scores = new double[_T, _R, K, _A, M];
        FillMinusOne(_precision); FillMinusOne(_recall); FillMinusOne(_scores);
        _ranked = new RankedDetections?[K];
    }

    public static CocoEvalResult Accumulate(CocoEvaluator ev, EvalImage?[] evalImgs)
    {
        var acc = new CocoAccumulator(ev, evalImgs);
        int K = acc._ranked.Length, A = acc._A;
        Parallel.For(0, K, k => acc._ranked[k] = RankedDetections.Of(evalImgs, k * A * acc._I, acc._I));
        Parallel.For(0, K * A, () => new Buffers(), (ka, _, buf) => { acc.Fill(ka / A, ka % A, buf); return buf; }, _ => { });
        return new CocoEvalResult(ev, acc._precision, acc._recall, acc._scores);
    }

    // One category and area range, every maxDets and IoU threshold. Nothing is written (entries stay -1) when the
    // category has no evaluated image or no ground truth that is not ignored.
    private void Fill(int k, int a, Buffers buf)
    {
        if (_ranked[k] is not { } det) return;
        var E = new EvalImage[det.Images.Length];
        int npig = 0;
        for (int e = 0; e < E.Length; e++) { E[e] = _evalImgs[(k * _A + a) * _I + det.Images[e]]!; npig += E[e].GtCount; }
        if (npig == 0) return;
        buf.Ensure(det.Count, _T, _R);
        det.Outcomes(E, _T, buf.Outcome);
        TpNeeded(npig, det.Count, buf.TpNeeded);
        for (int m = 0; m < _p.MaxDets.Length; m++)
        {
            int nd = det.Select(_p.MaxDets[m], buf.Sel);
            for (int t = 0; t < _T; t++)
            {
                _recall[t, k, a, m] = PrecisionEnvelope(buf, buf.Outcome.AsSpan(t * det.Count, det.Count), nd, npig);
                SampleAtRecallThresholds(buf, det, nd, t, k, a, m);
            }
        }
    }

    private static readonly double[] TpStep = [0, 1, 0], FpStep = [1, 0, 0];  // by DtOutcome: FalsePositive, TruePositive, Ignored

    // tp and fp cumulative sums over the selected detections (np.cumsum) and precision tp / (fp + tp + eps) into the
    // buffers, then precision made monotone from the right (a running maximum); returns the recall reached.
    private static double PrecisionEnvelope(Buffers b, ReadOnlySpan<DtOutcome> outcome, int nd, int npig)
    {
        double tpc = 0, fpc = 0;
        for (int q = 0; q < nd; q++)
        {
            int o = (int)outcome[b.Sel[q]];
            tpc += TpStep[o]; fpc += FpStep[o];
            b.Tp[q] = tpc;
            b.Pr[q] = tpc / (fpc + tpc + Eps);
        }
        double envelope = 0;
        for (int q = nd - 1; q >= 0; q--) b.Pr[q] = envelope = Math.Max(envelope, b.Pr[q]);
        return nd > 0 ? b.Tp[nd - 1] / npig : 0;
    }

    // For each recall threshold, the smallest true-positive count c with c / npig >= thr (the division pycocotools'
    // rc = tp / npig makes, which is monotone in c); n + 1 when no count up to n reaches it.
    private void TpNeeded(int npig, int n, int[] needed)
    {
        for (int r = 0; r < _R; r++)
        {
            double thr = _p.RecThrs[r];
            int c = (int)Math.Clamp(Math.Ceiling(thr * npig), 0, n + 1);
            while (c > 0 && (double)(c - 1) / npig >= thr) c--;
            while (c <= n && (double)c / npig < thr) c++;
            needed[r] = c;
        }
    }

    // np.searchsorted(rc, recThrs, side='left'): the first position whose tp reaches the count each threshold needs.
    // pycocotools stops at the first threshold found past the end (an IndexError it catches), so the remaining
    // entries stay 0.
    private void SampleAtRecallThresholds(Buffers b, RankedDetections det, int nd, int t, int k, int a, int m)
    {
        for (int r = 0; r < _R; r++)
        {
            int pos = FirstReaching(b.Tp, nd, b.TpNeeded[r]);
            if (pos >= nd)
            {
                for (int rr = r; rr < _R; rr++) { _precision[t, rr, k, a, m] = 0; _scores[t, rr, k, a, m] = 0; }
                return;
            }
            _precision[t, r, k, a, m] = b.Pr[pos];
            _scores[t, r, k, a, m] = det.Scores[b.Sel[pos]];
        }
    }

    // The first q < n with tp[q] >= c (tp is non-decreasing), or n.
    private static int FirstReaching(double[] tp, int n, int c)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (tp[mid] < c) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    // One worker's arrays, sized for the largest category seen.
    private sealed class Buffers
    {
        public double[] Tp = [], Pr = [];
        public int[] Sel = [];
        public DtOutcome[] Outcome = [];   // [T, n]
        public int[] TpNeeded = [];        // [R]

        public void Ensure(int n, int T, int R)
        {
            if (Outcome.Length < T * n) Outcome = new DtOutcome[T * n];
            if (TpNeeded.Length < R) TpNeeded = new int[R];
            if (Tp.Length >= n) return;
            Tp = new double[n]; Pr = new double[n]; Sel = new int[n];
        }
    }

    private static void FillMinusOne(Array a)
    {
        if (a.Length == 0) return;
        switch (a)
        {
            case double[,,,,] p5: MemoryMarshal.CreateSpan(ref p5[0, 0, 0, 0, 0], p5.Length).Fill(-1); break;
            case double[,,,] p4: MemoryMarshal.CreateSpan(ref p4[0, 0, 0, 0], p4.Length).Fill(-1); break;
        }
    }
}
