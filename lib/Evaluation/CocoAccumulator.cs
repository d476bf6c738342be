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

        // Scores and their order do not depend on the area range (only ignore flags do) nor on maxDets (a prefix of
        // each image's list keeps its relative order), so each category is sorted once, for the largest maxDets.
        Parallel.For(0, K, k =>
        {
            var E = new List<(EvalImage E, int I)>();
            for (int i = 0; i < I; i++) if (evalImgs[(k * A) * I + i] is { } e) E.Add((e, i));
            if (E.Count == 0) return;
            int n = 0;
            foreach (var (e, _) in E) n += e.D;
            var order = new ScoreKey[n];
            var src = new (int E, int D)[n];
            int j = 0;
            for (int ei = 0; ei < E.Count; ei++)
                for (int d = 0; d < E[ei].E.D; d++) { order[j] = new ScoreKey(E[ei].E.DtScores[d], j); src[j] = (ei, d); j++; }
            // np.argsort(-scores, kind='mergesort'): descending and stable (images in id order, then per image).
            order.AsSpan().Sort();
            var tp = new double[n];
            var fp = new double[n];
            var pr = new double[n];
            var sel = new int[n];
            for (int a = 0; a < A; a++)
            {
                int npig = 0;
                foreach (var (_, i) in E)
                    foreach (bool ig in evalImgs[(k * A + a) * I + i]!.GtIgnore) if (!ig) npig++;
                if (npig == 0) continue;
                for (int m = 0; m < M; m++)
                {
                    int maxDet = p.MaxDets[m], nd = 0;
                    foreach (var key in order) if (src[key.Index].D < maxDet) sel[nd++] = key.Index;
                    for (int t = 0; t < T; t++)
                    {
                        double tpc = 0, fpc = 0;
                        for (int q = 0; q < nd; q++)
                        {
                            var (ei, d) = src[sel[q]];
                            var e = evalImgs[(k * A + a) * I + E[ei].I]!;
                            if (!e.DtIgnore[t * e.D + d]) { if (e.DtMatched[t * e.D + d]) tpc++; else fpc++; }
                            tp[q] = tpc; fp[q] = fpc;
                        }
                        recall[t, k, a, m] = nd > 0 ? tp[nd - 1] / npig : 0;
                        for (int q = 0; q < nd; q++) pr[q] = tp[q] / (fp[q] + tp[q] + Eps);
                        for (int q = nd - 1; q > 0; q--) if (pr[q] > pr[q - 1]) pr[q - 1] = pr[q];
                        // np.searchsorted(rc, recThrs, side='left'); past the end the remaining entries stay 0.
                        int pos = 0;
                        for (int r = 0; r < R; r++)
                        {
                            double thr = p.RecThrs[r];
                            while (pos < nd && tp[pos] / npig < thr) pos++;
                            if (pos >= nd)
                            {
                                for (int rr = r; rr < R; rr++) { precision[t, rr, k, a, m] = 0; scores[t, rr, k, a, m] = 0; }
                                break;
                            }
                            precision[t, r, k, a, m] = pr[pos];
                            var (se, sd) = src[sel[pos]];
                            scores[t, r, k, a, m] = E[se].E.DtScores[sd];
                        }
                    }
                }
            }
        });
        return new CocoEvalResult(ev, precision, recall, scores);
    }

    // Descending score, then ascending position: a stable descending sort expressed as a total order.
    private readonly record struct ScoreKey(double Score, int Index) : IComparable<ScoreKey>
    {
        public int CompareTo(ScoreKey o)
        {
            int c = o.Score.CompareTo(Score);
            return c != 0 ? c : Index.CompareTo(o.Index);
        }
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
