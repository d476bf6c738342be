using MagvitSeg.Data.Coco;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>Head batches drawn from a label budget: <see cref="BatchOrder.Indices"/> over the subset's positions.</summary>
public static class SubsetBatches
{
    /// <summary>
    /// Endless batches of the training rows <paramref name="subset"/>. With the whole split as the subset (rows 0..n-1)
    /// this is the sequence <see cref="HeadBatches.FromFeatures"/> gives, so the full budget trains as the study does.
    /// Each batch's tensors are disposed when the next one is requested.
    /// </summary>
    public static IEnumerable<HeadBatch> FromFeatures(IReadOnlyList<Tensor> levels, CocoImageSet set, IReadOnlyList<int> subset, int batchSize, long seed)
    {
        if (levels[0].shape[0] != set.Count)
            throw new ArgumentException($"SubsetBatches: {levels[0].shape[0]} cached feature rows for {set.Count} images; rebuild the feature cache.");
        foreach (var idx in BatchOrder.Indices(subset.Count, batchSize, seed))
        {
            var rows = idx.Select(i => subset[i]).ToArray();
            using var index = tensor(rows.Select(i => (long)i).ToArray());
            var feats = levels.Select(l => l.index_select(0, index)).ToList();
            var targets = rows.Select(set.TargetTensors).ToList();
            try { yield return new HeadBatch(feats, targets); }
            finally
            {
                foreach (var f in feats) f.Dispose();
                foreach (var t in targets) t.Dispose();
            }
        }
    }
}
