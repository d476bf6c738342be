using MagvitSeg.Data.Coco;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>Seeded mini-batches over a split: a fresh permutation every epoch, the same sequence for the same seed.</summary>
public static class HeadBatches
{
    /// <summary>
    /// Endless head batches from cached features [N, C, h, w] and the split's targets. Each batch's tensors are disposed
    /// when the next one is requested, so a training loop holds one batch at a time.
    /// </summary>
    public static IEnumerable<HeadBatch> FromFeatures(IReadOnlyList<Tensor> levels, CocoImageSet set, int batchSize, long seed)
    {
        if (levels[0].shape[0] != set.Count)
            throw new ArgumentException($"HeadBatches: {levels[0].shape[0]} cached feature rows for {set.Count} images; rebuild the feature cache.");
        foreach (var idx in BatchOrder.Indices(set.Count, batchSize, seed))
        {
            using var index = tensor(idx.Select(i => (long)i).ToArray());
            var feats = levels.Select(l => l.index_select(0, index)).ToList();
            var targets = idx.Select(set.TargetTensors).ToList();
            try { yield return new HeadBatch(feats, targets); }
            finally
            {
                foreach (var f in feats) f.Dispose();
                foreach (var t in targets) t.Dispose();
            }
        }
    }

    /// <summary>
    /// Endless head batches whose features <paramref name="features"/> computes from the batch's images on
    /// <paramref name="device"/> (the fine-tuned arm: the encoder runs, with gradients, on every batch). Each batch's
    /// tensors are disposed when the next one is requested.
    /// </summary>
    public static IEnumerable<HeadBatch> FromImages(CocoImageSet set, int batchSize, long seed, Func<Tensor, List<Tensor>> features, Device device)
    {
        foreach (var idx in BatchOrder.Indices(set.Count, batchSize, seed))
        {
            using var scope = NewDisposeScope();
            var images = cat(idx.Select(i => set.Images(i, 1)).ToList(), 0).to(device);
            var feats = features(images);
            var targets = idx.Select(set.TargetTensors).ToList();
            yield return new HeadBatch(feats, targets);
        }
    }
}
