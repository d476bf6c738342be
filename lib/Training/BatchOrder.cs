namespace MagvitSeg.Training;

/// <summary>Seeded mini-batch order over a split: a fresh permutation every epoch, the same sequence for the same seed
/// (the head trainer's batches and the dense probes' draw from the same order).</summary>
public static class BatchOrder
{
    /// <summary>An endless sequence of index batches (the last partial batch of an epoch is dropped).</summary>
    public static IEnumerable<int[]> Indices(int count, int batchSize, long seed)
    {
        if (count < 1) throw new ArgumentException("BatchOrder: the split has no images.");
        batchSize = Math.Min(batchSize, count);
        var rng = new Random(unchecked((int)(seed * 7919 + 17)));
        var order = Enumerable.Range(0, count).ToArray();
        while (true)
        {
            rng.Shuffle(order);
            for (int s = 0; s + batchSize <= count; s += batchSize) yield return order[s..(s + batchSize)];
        }
    }
}
