using MagvitSeg.Masking;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Masking;

public class FeatureSelectorTests
{
    private static Tensor Feature(long c, long t, long h) => arange(2 * c * t * h * h, dtype: float32).reshape(2, c, t, h, h);

    [Fact]
    public void FirstFrameAndMeanReduceTime()
    {
        var z = Feature(4, 3, 2);
        var first = FeatureSelector.Select(FeatureSelection.LatentOnly, z);
        Assert.Single(first);
        Assert.True(TensorCompare.Same(first[0], z.select(2, 0)));
        var mean = FeatureSelector.Select(FeatureSelection.Named("pooled"), z);
        // arange along T: the mean of frames 0, 1, 2 is frame 1 exactly.
        Assert.True(mean[0].allclose(z.select(2, 1)));
    }

    [Fact]
    public void QuantisedSourceIsUsedAndRequired()
    {
        var z = Feature(4, 3, 2);
        var q = -z;
        var sel = FeatureSelector.Select(FeatureSelection.Named("quantised"), z, q);
        Assert.True(TensorCompare.Same(sel[0], q.select(2, 0)));
        Assert.Throws<ArgumentException>(() => FeatureSelector.Select(FeatureSelection.Named("quantised"), z));
    }

    [Fact]
    public void PyramidLevelsComeFinestFirstAndLatentLast()
    {
        var levels = new[] { Feature(2, 8, 16), Feature(3, 4, 8), Feature(5, 2, 4) };
        var z = Feature(6, 2, 2);
        var sel = FeatureSelector.Select(new FeatureSelection(Temporal: TemporalReduction.Mean, Levels: new[] { 2, 1 }), z, null, levels);
        Assert.Equal(new[] { 3L, 5L, 6L }, sel.Select(s => s.shape[1]));
        Assert.Equal(new long[] { 2, 3, 8, 8 }, sel[0].shape);
        Assert.True(sel[0].allclose(levels[1].mean(new long[] { 2 })));
        Assert.Throws<ArgumentException>(() => FeatureSelector.Select(new FeatureSelection(Levels: new[] { 3 }), z, null, levels));
    }
}
