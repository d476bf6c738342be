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

        Parallel.For(0, K * A, ka =>
        {
            int k = ka / A, a = ka % A;
            var E = new List<EvalImage>();
            for (int i = 0; i < I; i++) if (evalImgs[ka * I + i] is { } e) E.Add(e);
            if (E.Count == 0) return;
            int npig = 0;
            foreach (var e in E) foreach (bool ig in e.GtIgnore) if (!ig) npig++;
            for (int m = 0; m < M; m++)
            {
                int maxDet = p.MaxDets[m];
                int n = 0;
                foreach (var e in E) n += Math.Min(e.D, maxDet);
                var sc = new double[n];
                var src = new (EvalImage E, int D)[n];
                int j = 0;
                foreach (var e in E)
                    for (int d = 0; d < Math.Min(e.D, maxDet); d++) { sc[j] = e.DtScores[d]; src[j] = (e, d); j++; }
                // np.argsort(-scores, kind='mergesort'): descending, stable (images in id order, then per image).
                var inds = new int[n];
                for (int q = 0; q < n; q++) inds[q] = q;
                Array.Sort(inds, (x, y) => { int c = sc[y].CompareTo(sc[x]); return c != 0 ? c : x.CompareTo(y); });
                if (npig == 0) continue;
                var tp = new double[n];
                var fp = new double[n];
                var pr = new double[n];
                for (int t = 0; t < T; t++)
                {
                    double tpc = 0, fpc = 0;
                    for (int q = 0; q < n; q++)
                    {
                        var (e, d) = src[inds[q]];
                        bool matched = e.DtMatched[t * e.D + d], ignored = e.DtIgnore[t * e.D + d];
                        if (!ignored) { if (matched) tpc++; else fpc++; }
                        tp[q] = tpc; fp[q] = fpc;
                    }
                    recall[t, k, a, m] = n > 0 ? tp[n - 1] / npig : 0;
                    for (int q = 0; q < n; q++) pr[q] = tp[q] / (fp[q] + tp[q] + Eps);
                    for (int q = n - 1; q > 0; q--) if (pr[q] > pr[q - 1]) pr[q - 1] = pr[q];
                    // np.searchsorted(rc, recThrs, side='left'); past the end the remaining entries stay 0.
                    int pos = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double thr = p.RecThrs[r];
                        while (pos < n && tp[pos] / npig < thr) pos++;
                        if (pos >= n)
                        {
                            for (int rr = r; rr < R; rr++) { precision[t, rr, k, a, m] = 0; scores[t, rr, k, a, m] = 0; }
                            break;
                        }
                        precision[t, r, k, a, m] = pr[pos];
                        scores[t, r, k, a, m] = sc[inds[pos]];
                    }
                }
            }
        });
        return new CocoEvalResult(ev, precision, recall, scores);
    }

    private static void FillMinusOne(Array a)
    {
        if (a.Length == 0) return;
        switch (a)
        {
            case double[,,,,] p5: System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref p5[0, 0, 0, 0, 0], p5.Length).Fill(-1); break;
            case double[,,,] p4: System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref p4[0, 0, 0, 0], p4.Length).Fill(-1); break;
        }
    }
}
