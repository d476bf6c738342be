using MagvitSeg.Data;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Data;

public class PrefetchSourceTests
{
    /// <summary>Batch s is filled with s; records every tensor it made; throws at <see cref="FailAt"/>.</summary>
    private sealed class Counting : IClipSource
    {
        public readonly List<Tensor> Made = new();
        public long FailAt = -1;

        public Tensor Batch(long step, int batchSize)
        {
            if (step == FailAt) throw new InvalidDataException($"bad.mp4 is corrupt (step {step})");
            var t = full(new long[] { batchSize, 3, 2, 4, 4 }, (float)step);
            lock (Made) Made.Add(t);
            return t;
        }
    }

    [Fact]
    public void BatchesEqualTheInnerSourceInAnyOrder()
    {
        using var p = new PrefetchSource(new Counting(), depth: 3);
        foreach (long s in new long[] { 0, 1, 2, 3, 7, 8, 2, 3, 4 })
        {
            using var b = p.Batch(s, 2);
            Assert.Equal(new long[] { 2, 3, 2, 4, 4 }, b.shape);
            Assert.Equal((float)s, b[0, 0, 0, 0, 0].item<float>());
        }
        Assert.Equal(2, p.Restarts);   // 3 -> 7 and 8 -> 2
    }

    [Fact]
    public void TensorsNeverHandedOutAreDisposed()
    {
        var inner = new Counting();
        var p = new PrefetchSource(inner, depth: 2);
        var handed = new List<Tensor> { p.Batch(0, 1), p.Batch(10, 1) };   // a restart drops the read-ahead of step 1..
        Thread.Sleep(200);                                                  // let the worker fill its queue again
        p.Dispose();
        lock (inner.Made)
            foreach (var t in inner.Made)
                Assert.Equal(!handed.Any(h => ReferenceEquals(h, t)), t.IsInvalid);   // Tensor.Equals compares values
        Assert.True(inner.Made.Count > 2, "the worker should have read ahead");
        foreach (var t in handed) t.Dispose();
    }

    [Fact]
    public void WorkerErrorsSurfaceAtTheirStepAsTheOriginalException()
    {
        using var p = new PrefetchSource(new Counting { FailAt = 2 }, depth: 2);
        p.Batch(0, 1).Dispose();
        p.Batch(1, 1).Dispose();
        var e = Assert.Throws<InvalidDataException>(() => p.Batch(2, 1));
        Assert.Contains("bad.mp4", e.Message);
        using var after = p.Batch(3, 1);                // the source is still usable past the bad step
        Assert.Equal(3f, after[0, 0, 0, 0, 0].item<float>());
    }
}
