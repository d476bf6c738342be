using System.Runtime.InteropServices;

namespace MagvitSeg.Evaluation;

/// <summary>pycocotools' accumulate: per category, area range and maxDets, a precision envelope sampled at the recall thresholds.</summary>
internal static class CocoAccumulator
{
    private const double Eps = 2.220446049250313e-16; // np.spacing(1)

    public static CocoEvalResult Accumulate(CocoEvaluator ev, EvalImage?[] evalImgs)
    {
        var p = ev.Params;
        int T = p.IouThrs.Length, R = p.RecThrs.Length, K = ev.CategoryIds.Count, A = p.AreaRng.Length, M = p.MaxDets.Length, I = ev.ImageIds.Count;
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        var scores = new double[T, R, K, A, M];
        FillMinusOne(precision); FillMinusOne(recall); FillMinusOne(scores);

        var ranked = new RankedDetections?[K];
        Parallel.For(0, K, k => ranked[k] = RankedDetections.Of(evalImgs, k * A * I, I));
        // Each (category, area range) writes only its own cells; workers keep their cumulative-sum buffers.
        Parallel.For(0, K * A, () => new Buffers(), (ka, _, buf) =>
        {
            int k = ka / A, a = ka % A;
            if (ranked[k] is not { } det) return buf;
            var E = new EvalImage[det.Images.Length];
            int npig = 0;
            for (int e = 0; e < E.Length; e++) { E[e] = evalImgs[(k * A + a) * I + det.Images[e]]!; npig += E[e].GtCount; }
            if (npig == 0) return buf;
            var outcome = det.Outcomes(E, T);
            buf.Ensure(det.Count);
            for (int m = 0; m < M; m++)
            {
                int nd = det.Select(p.MaxDets[m], buf.Sel);
                for (int t = 0; t < T; t++)
                {
                    recall[t, k, a, m] = PrecisionEnvelope(buf, outcome.AsSpan(t * det.Count, det.Count), nd, npig);
                    // np.searchsorted(rc, recThrs, side='left'); past the end the remaining entries stay 0.
                    int pos = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double thr = p.RecThrs[r];
                        while (pos < nd && buf.Tp[pos] / npig < thr) pos++;
                        if (pos >= nd)
                        {
                            for (int rr = r; rr < R; rr++) { precision[t, rr, k, a, m] = 0; scores[t, rr, k, a, m] = 0; }
                            break;
                        }
                        precision[t, r, k, a, m] = buf.Pr[pos];
                        scores[t, r, k, a, m] = det.Scores[buf.Sel[pos]];
                    }
                }
            }
            return buf;
        }, _ => { });
        return new CocoEvalResult(ev, precision, recall, scores);
    }

    // One worker's arrays, sized for the largest category seen.
    private sealed class Buffers
    {
        public double[] Tp = [], Fp = [], Pr = [];
        public int[] Sel = [];

        public void Ensure(int n)
        {
            if (Tp.Length >= n) return;
            Tp = new double[n]; Fp = new double[n]; Pr = new double[n]; Sel = new int[n];
        }
    }

    // tp and fp cumulative sums over the selected detections (np.cumsum) into the buffers, then precision made
    // monotone from the right; returns the recall reached.
    private static double PrecisionEnvelope(Buffers b, ReadOnlySpan<DtOutcome> outcome, int nd, int npig)
    {
        double tpc = 0, fpc = 0;
        for (int q = 0; q < nd; q++)
        {
            var o = outcome[b.Sel[q]];
            if (o == DtOutcome.TruePositive) tpc++; else if (o == DtOutcome.FalsePositive) fpc++;
            b.Tp[q] = tpc; b.Fp[q] = fpc;
        }
        for (int q = 0; q < nd; q++) b.Pr[q] = b.Tp[q] / (b.Fp[q] + b.Tp[q] + Eps);
        for (int q = nd - 1; q > 0; q--) if (b.Pr[q] > b.Pr[q - 1]) b.Pr[q - 1] = b.Pr[q];
        return nd > 0 ? b.Tp[nd - 1] / npig : 0;
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
