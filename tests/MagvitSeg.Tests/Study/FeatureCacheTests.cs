using MagvitSeg.Study;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Study;

public class FeatureCacheTests
{
    [Fact]
    public void FeaturesAreEncodedOnceAndRebuiltWhenTheKeyChanges()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-fc-" + Guid.NewGuid().ToString("N"));
        var cache = new FeatureCache(dir);
        int calls = 0;
        // A known extractor: level 0 = 2x2 average pool, level 1 = per-image mean of channel 0 (+0.5, exact in fp16).
        Tensor[] Extract(Tensor x)
        {
            calls++;
            return new[] { nn.functional.avg_pool2d(x, 2), x[.., 0..1].mean(new long[] { 2, 3 }, keepdim: true) + 0.5 };
        }
        var images = arange(5 * 3 * 4 * 4, dtype: float32).reshape(5, 3, 4, 4) / 64f; // values exact in float16
        Tensor Batch(int s, int n) => images[s..(s + n)];
        var key = new FeatureCacheKey("random:seed=1", "edge:T=4", "prequant:first", "imgs:5");

        var a = cache.GetOrBuild(key, 5, Batch, Extract, batchSize: 2);
        Assert.Equal(3, calls);                                 // ceil(5/2) batches
        Assert.Equal(new long[] { 5, 3, 2, 2 }, a[0].shape);
        Assert.Equal(new long[] { 5, 1, 1, 1 }, a[1].shape);
        // Hand check: image 0, channel 0, top-left 2x2 block holds 0,1,4,5 (/64) -> mean 2.5/64
        Assert.Equal(2.5f / 64f, a[0][0, 0, 0, 0].item<float>(), 6);

        var b = cache.GetOrBuild(key, 5, Batch, Extract, batchSize: 2);
        Assert.Equal(3, calls);                                 // read back, not recomputed
        Assert.True(a[0].allclose(b[0]) && a[1].allclose(b[1]));

        cache.GetOrBuild(key with { Conditioning = "zeros:T=4" }, 5, Batch, Extract, batchSize: 5);
        Assert.Equal(4, calls);                                 // a different conditioning misses
        Directory.Delete(dir, true);
    }

    [Fact]
    public void ATruncatedLevelFileIsReportedByName()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-fc-" + Guid.NewGuid().ToString("N"));
        var cache = new FeatureCache(dir);
        var key = new FeatureCacheKey("e", "c", "s", "i");
        cache.GetOrBuild(key, 2, (s, n) => ones(n, 3, 4, 4), x => new[] { x });
        string file = Path.Combine(cache.FolderOf(key), "level0.f16");
        File.WriteAllBytes(file, new byte[10]);
        var ex = Assert.Throws<InvalidDataException>(() => cache.Load(key));
        Assert.Contains("level0.f16", ex.Message);
        Directory.Delete(dir, true);
    }
}
