using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Probes;
using MagvitSeg.Tests.Data;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Probes;

/// <summary>The dense probes on hand-built features: separable ones are learnt exactly, random ones give chance.</summary>
public class DenseProbeTests
{
    private const int S = 32;

    private static (CocoImageSet Train, CocoImageSet Val) Stills(TempDir tmp)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = S, Frames = 8, Seed = 3 });
        MovingShapesStills.Export(gen, tmp.Path, "train", MovingShapesSplit.StillsTrain, 24);
        MovingShapesStills.Export(gen, tmp.Path, "val", MovingShapesSplit.StillsVal, 12);
        CocoImageSet Load(string split) => CocoImageSet.Load(Path.Combine(tmp.Path, "annotations", $"instances_{split}.json"), Path.Combine(tmp.Path, split), S);
        return (Load("train"), Load("val"));
    }

    // Each location's label one-hot (ignored pixels all zero) at the working grid, plus a coarse random level that the
    // probe must up-sample and concatenate: linearly separable by construction.
    private static Tensor[] OneHotFeatures(CocoImageSet set)
    {
        var labels = tensor(Enumerable.Range(0, set.Count).SelectMany(i => SemanticTargets.Working(set, i)).ToArray(), new long[] { set.Count, S, S });
        var valid = labels.ne(SemanticTargets.Ignore);
        var oneHot = nn.functional.one_hot(labels.where(valid, 0), set.NumClasses + 1).permute(0, 3, 1, 2).to(float32) * valid.unsqueeze(1).to(float32);
        var generator = new Generator(7);
        return new[] { oneHot, randn(new long[] { set.Count, 4, S / 4, S / 4 }, generator: generator) };
    }

    [Fact]
    public void TheLinearProbeSegmentsLinearlySeparableFeaturesPerfectly()
    {
        using var tmp = new TempDir();
        var (train, val) = Stills(tmp);
        var trainFeatures = OneHotFeatures(train);
        var run = DenseProbeTrainer.Train(DenseProbeKind.Linear, trainFeatures, train, Enumerable.Range(0, train.Count).ToArray(),
            new DenseProbeConfig(LearningRate: 0.05), steps: 150, batchSize: 8, seed: 0, CPU);
        using var probe = run.Probe;
        var counts = DenseProbeEvaluation.Score(probe, OneHotFeatures(val), val, CPU);
        Assert.Equal(1.0, counts.MIoU(), 9);
        Assert.All(counts.PerCategory().Where(v => !double.IsNaN(v)), v => Assert.Equal(1.0, v, 9));
        // The full-resolution ground truth of every category was counted.
        Assert.True(counts.GroundTruth.Sum(r => r.Sum()) > 0);
    }

    [Fact]
    public void OnRandomFeaturesTheProbeScoresNoBetterThanChance()
    {
        // A prediction independent of the truth with class c at rate q has expected IoU p q / (p + q - p q) <= p for the
        // class's pixel share p (the bound is reached at q = 1), so mIoU is at most the mean pixel share of the
        // categories: the chance ceiling computed here from the labels alone.
        using var tmp = new TempDir();
        var (train, val) = Stills(tmp);
        Tensor[] Random(CocoImageSet set, int seed) => new[] { randn(new long[] { set.Count, 8, S / 2, S / 2 }, generator: new Generator((ulong)seed)) };
        var run = DenseProbeTrainer.Train(DenseProbeKind.Mlp, Random(train, 1), train, Enumerable.Range(0, train.Count).ToArray(),
            new DenseProbeConfig(LearningRate: 0.01), steps: 100, batchSize: 8, seed: 0, CPU);
        using var probe = run.Probe;
        var counts = DenseProbeEvaluation.Score(probe, Random(val, 2), val, CPU);
        long total = 0;
        var perClass = new long[val.NumClasses + 1];
        foreach (int i in Enumerable.Range(0, val.Count))
            foreach (long l in SemanticTargets.Working(val, i))
                if (l != SemanticTargets.Ignore) { perClass[l]++; total++; }
        double ceiling = perClass.Skip(1).Where(c => c > 0).Average(c => (double)c / total);
        Assert.InRange(counts.MIoU(), 0, ceiling + 0.03);
        Assert.True(ceiling < 0.2, $"the chance ceiling {ceiling:F3} is too high for this check to mean anything");
    }

    [Fact]
    public void OverlapsGoToTheSmallestInstanceAndCrowdIsIgnored()
    {
        var gt = new CocoDataset("gt", new[] { new CocoImage(1, 4, 4, "a") }, new[]
        {
            Ann(1, 1, new double[] { 0, 0, 4, 0, 4, 4, 0, 4 }),      // the whole image, category 1
            Ann(2, 2, new double[] { 0, 0, 2, 0, 2, 2, 0, 2 }),      // the top-left 2x2 on top of it, category 2
            Ann(3, 1, new double[] { 3, 3, 4, 3, 4, 4, 3, 4 }, crowd: true),
        }, new[] { new CocoCategory(1, "big", ""), new CocoCategory(2, "small", "") });
        var labels = SemanticTargets.Full(gt, 1, new long[] { 1, 2 }, gt.Annotations);
        const long I = SemanticTargets.Ignore;
        Assert.Equal(new long[] { 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, I }, labels);
    }

    private static CocoAnnotation Ann(long id, long cat, double[] poly, bool crowd = false) => new()
    {
        Id = id, ImageId = 1, CategoryId = cat, IsCrowd = crowd,
        Segmentation = new CocoSegmentation { Kind = SegmentationKind.Polygons, Polygons = new[] { poly } },
    };
}
