using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Head;

public class MaskHeadLossTests
{
    // Two queries, one class (K = 1), 2x2 masks. Query 0: class logits [2, 0], mask logits [[2, -1], [0, 3]];
    // query 1: class logits [0, 1], mask logits all -5. One target of class 0, mask [[1, 0], [1, 0]].
    private static MaskHeadOutput Output() => new(new[]
    {
        new LayerPrediction(
            tensor(new float[] { 2, 0, 0, 1 }).reshape(1, 2, 2),
            tensor(new float[] { 2, -1, 0, 3, -5, -5, -5, -5 }).reshape(1, 2, 2, 2)),
    });

    private static InstanceTarget Target() => new(tensor(new float[] { 1, 0, 1, 0 }).reshape(1, 2, 2), tensor(new long[] { 0 }));

    [Fact]
    public void MatchingCostByHand()
    {
        // cost(q0, t0) = 2 (-sigmoid(2)) + 5 BCE + 5 dice = 5.1086313327850235 (python math, see MaskLossesTests).
        var o = Output();
        var c = HungarianMatcher.CostMatrix(o.ClassLogits[0], o.MaskLogits[0], Target(), PointSampler.PixelCentres(2, 2), new MatcherWeights());
        Assert.Equal(5.1086313327850235, c[0, 0], 4);
        Assert.True(c[1, 0] > c[0, 0]);
    }

    [Fact]
    public void TotalLossByHand()
    {
        // CE weighted by (1, 0.1): (log(1+e^-2) + 0.1 log(1+e^-1)) / 1.1 = 0.14386743617708614 (PyTorch 1.13
        // F.cross_entropy with weight gives 0.1438674628); total = 2 CE + 5 BCE + 5 dice = 7.15796036109496.
        var loss = new MaskHeadLoss(1, new MaskLossConfig(Points: 0)).Compute(Output(), new[] { Target() });
        Assert.Equal(new[] { (0, 0) }, loss.Matches[0]);
        Assert.Equal(0.14386743617708614, loss.Class, 5);
        Assert.Equal(1.0454810576737206, loss.Mask, 5);
        Assert.Equal(0.32856404007443696, loss.Dice, 5);
        Assert.Equal(7.15796036109496, loss.Total.item<float>(), 4);
    }

    [Fact]
    public void AnImageWithoutInstancesOnlyLearnsNoObject()
    {
        // Both queries target "no object" (weight 0.1 each): CE = (log(1+e^2) + log(1+e^-1)) / 2 (weights cancel).
        var empty = new InstanceTarget(zeros(new long[] { 0, 2, 2 }), zeros(new long[] { 0 }, int64));
        var loss = new MaskHeadLoss(1, new MaskLossConfig(Points: 0)).Compute(Output(), new[] { empty });
        double expected = (Math.Log(1 + Math.Exp(2)) + Math.Log(1 + Math.Exp(-1))) / 2;
        Assert.Equal(expected, loss.Class, 5);
        Assert.Equal(0, loss.Mask);
        Assert.Equal(2 * expected, loss.Total.item<float>(), 4);
    }

    [Fact]
    public void BadTargetsAreRejected()
    {
        var wrongClass = new InstanceTarget(ones(new long[] { 1, 2, 2 }), tensor(new long[] { 3 }));
        Assert.Throws<ArgumentException>(() => new MaskHeadLoss(1).Compute(Output(), new[] { wrongClass }));
        Assert.Throws<ArgumentException>(() => new MaskHeadLoss(1).Compute(Output(), new[] { Target(), Target() }));
    }

    [Fact]
    public void ABatchGivesEachImageTheMatchesAndLossesItGetsAlone()
    {
        // The loss pads targets to a common count and matches every image and layer from one cost tensor. An image's
        // matches must not depend on its neighbours, and the batch's final-layer losses must recombine from the
        // per-image ones: mask and dice are sums over matched masks / all masks of the batch, class is a weighted mean
        // with weight 1 per matched query and 0.1 per other query. Pixel-centre points, so nothing is random.
        random.manual_seed(3);
        const int n = 3, k = 4, hm = 4, size = 8;
        var layers = Enumerable.Range(0, 2).Select(_ => new LayerPrediction(randn(3, n, k + 1), randn(3, n, hm, hm) * 3)).ToArray();
        int[] counts = { 2, 0, 4 };                                                           // image 2 has more targets than queries
        var targets = counts.Select((m, i) => new InstanceTarget(rand(m, size, size) > 0.5, randint(k, new long[] { m }),
            i == 2 ? rand(size, size) > 0.7 : null)).ToList();
        var lossFn = new MaskHeadLoss(k, new MaskLossConfig(Points: 0));
        var all = lossFn.Compute(new MaskHeadOutput(layers), targets);

        double mask = 0, dice = 0, classSum = 0, classWeight = 0;
        for (int i = 0; i < 3; i++)
        {
            var alone = new MaskHeadOutput(layers.Select(l => new LayerPrediction(l.ClassLogits[i..(i + 1)], l.MaskLogits[i..(i + 1)])).ToArray());
            var one = lossFn.Compute(alone, new[] { targets[i] });
            Assert.Equal(one.Matches[0], all.Matches[i]);
            Assert.Equal(Math.Min(n, counts[i]), all.Matches[i].Length);
            mask += one.Mask * Math.Max(1, counts[i]);
            dice += one.Dice * Math.Max(1, counts[i]);
            double w = all.Matches[i].Length + 0.1 * (n - all.Matches[i].Length);
            classSum += one.Class * w;
            classWeight += w;
        }
        Assert.Equal(mask / 6, all.Mask, 5);
        Assert.Equal(dice / 6, all.Dice, 5);
        Assert.Equal(classSum / classWeight, all.Class, 5);
    }

    [Fact]
    public void TargetsOfDifferentSizesInOneBatchAreRefused()
    {
        var o = Output();
        var two = new MaskHeadOutput(new[] { new LayerPrediction(cat(new[] { o.ClassLogits, o.ClassLogits }), cat(new[] { o.MaskLogits, o.MaskLogits })) });
        var bigger = new InstanceTarget(ones(new long[] { 1, 4, 4 }), tensor(new long[] { 0 }));
        var e = Assert.Throws<ArgumentException>(() => new MaskHeadLoss(1).Compute(two, new[] { Target(), bigger }));
        Assert.Contains("image 1", e.Message);
    }
}
