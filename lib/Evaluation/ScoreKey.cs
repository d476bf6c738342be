namespace MagvitSeg.Evaluation;

/// <summary>
/// Descending score, then ascending position: numpy's stable argsort(-score, kind='mergesort') expressed as a total
/// order, so an unstable sort gives the same permutation.
/// </summary>
internal readonly record struct ScoreKey(double Score, int Index) : IComparable<ScoreKey>
{
    public int CompareTo(ScoreKey o)
    {
        int c = o.Score.CompareTo(Score);
        return c != 0 ? c : Index.CompareTo(o.Index);
    }
}
