namespace MagvitSeg.Evaluation;

/// <summary>
/// One category's detections over all images in the order accumulate ranks them: by score, descending and stable,
/// images in id order and each image's detections in its own score order (np.argsort(-dtScores, kind='mergesort') on
/// the concatenation). The order does not depend on the area range (only outcomes do) nor on maxDets (a maxDets cut
/// keeps a prefix of each image's list, so the ranking of what remains is unchanged), so it is computed once.
/// </summary>
internal sealed class RankedDetections
{
    public required int[] Images;      // image indices with an evaluation, in id order
    public required int[] Image;       // [n]: position in Images of the q-th ranked detection
    public required int[] Rank;        // [n]: its position in its image's score order
    public required double[] Scores;   // [n]: its score
    public int Count => Rank.Length;

    /// <summary>The ranking of the evaluations at evalImgs[first + i] (area range 0 of one category), or null if there are none.</summary>
    public static RankedDetections? Of(EvalImage?[] evalImgs, int first, int imageCount)
    {
        var images = new List<int>();
        int n = 0;
        for (int i = 0; i < imageCount; i++)
            if (evalImgs[first + i] is { } e) { images.Add(i); n += e.D; }
        if (images.Count == 0) return null;
        var keys = new ScoreKey[n];
        var src = new (int Image, int Rank)[n];
        int j = 0;
        for (int ie = 0; ie < images.Count; ie++)
        {
            var e = evalImgs[first + images[ie]]!;
            for (int d = 0; d < e.D; d++) { keys[j] = new ScoreKey(e.DtScores[d], j); src[j] = (ie, d); j++; }
        }
        keys.AsSpan().Sort();
        var r = new RankedDetections { Images = images.ToArray(), Image = new int[n], Rank = new int[n], Scores = new double[n] };
        for (int q = 0; q < n; q++)
        {
            (r.Image[q], r.Rank[q]) = src[keys[q].Index];
            r.Scores[q] = keys[q].Score;
        }
        return r;
    }

    /// <summary>Every detection's outcome in ranked order, [T, n] into o, from the evaluations of one area range (parallel to Images).</summary>
    public void Outcomes(EvalImage[] evals, int T, DtOutcome[] o)
    {
        int n = Count;
        for (int q = 0; q < n; q++)
        {
            var e = evals[Image[q]];
            for (int t = 0; t < T; t++) o[t * n + q] = e.Outcomes[t * e.D + Rank[q]];
        }
    }

    /// <summary>The ranked positions kept by a maxDets cut, into sel; returns how many.</summary>
    public int Select(int maxDet, int[] sel)
    {
        int nd = 0;
        for (int q = 0; q < Count; q++) if (Rank[q] < maxDet) sel[nd++] = q;
        return nd;
    }
}
