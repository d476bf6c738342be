using MagvitSeg.Data;
using TorchSharp;

namespace MagvitSeg.Tests.Data;

public class BatchTensorTests
{
    [Fact]
    public void DisposingTheBatchLeavesNoTensorAlive()
    {
        // A handle left behind keeps the batch's memory until a finalizer runs: every batch then faults in fresh pages.
        using (BatchTensor.Create(2, new long[] { 3 }, (b, clip) => clip.Fill(b))) { }
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            using (var t = BatchTensor.Create(2, new long[] { 3 }, (b, clip) => clip.Fill(b)))
                Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1 }, t.data<float>().ToArray());
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
