using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Tests.Evaluation;

/// <summary>The paired bootstrap against hand-computed cases, and AP re-accumulated on resamples against a duplicated dataset.</summary>
public class PairedBootstrapTests
{
    [Fact]
    public void SplitMix64MatchesItsPublishedOutputAndDrawsAreRepeatable()
    {
        // The reference implementation (Vigna's splitmix64.c) seeded with 0 starts with these three values.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.Next());
        Assert.Equal(0x06C45D188009454FUL, rng.Next());
        var a = BootstrapResamples.Draw(7, 5, 2021);
        var b = BootstrapResamples.Draw(7, 5, 2021);
        Assert.Equal(a, b);
        Assert.All(a, r => { Assert.Equal(7, r.Length); Assert.Equal(r.Order(), r); Assert.All(r, i => Assert.InRange(i, 0, 6)); });
        Assert.NotEqual(a, BootstrapResamples.Draw(7, 5, 2022));
    }

    [Fact]
    public void PercentilesInterpolateBetweenOrderStatistics()
    {
        // Type 7: position q (n - 1) in the sorted values. n = 5: q = 0.025 -> 0.1 (1 + 0.1 x 1), q = 0.975 -> 3.9.
        var v = new double[] { 5, 1, 4, 2, 3 };
        Assert.Equal(1.1, BootstrapResamples.Percentile(v, 0.025), 12);
        Assert.Equal(4.9, BootstrapResamples.Percentile(v, 0.975), 12);
        Assert.Equal(3.0, BootstrapResamples.Percentile(v, 0.5), 12);
    }

    [Fact]
    public void TheDifferenceAveragesSeedsInsideEachResample()
    {
        // Two seeds, five resamples. Seed 0: A - B per resample = 1, 2, 3, 4, 5 (full set: 3); seed 1: 3, 2, 1, 0, -1
        // (full set: 1). Seed-averaged per resample: (1+3)/2, (2+2)/2, (3+1)/2, (4+0)/2, (5-1)/2 = 2, 2, 2, 2, 2, so
        // the interval collapses to [2, 2] while each seed alone spreads: seeds are averaged inside each resample.
        // Mean = (3 + 1) / 2 = 2.
        var s0 = (new ResampledMetric(13, new double[] { 11, 12, 13, 14, 15 }), new ResampledMetric(10, new double[] { 10, 10, 10, 10, 10 }));
        var s1 = (new ResampledMetric(21, new double[] { 23, 22, 21, 20, 19 }), new ResampledMetric(20, new double[] { 20, 20, 20, 20, 20 }));
        var d = PairedBootstrap.Difference(new[] { s0, s1 });
        Assert.Equal(2.0, d.Mean, 12);
        Assert.Equal(2.0, d.Low, 12);
        Assert.Equal(2.0, d.High, 12);
        Assert.Equal(5, d.Resamples);
        // Seed 0 alone: differences 1..5 -> [1.1, 4.9] (as the percentile case above), mean 3.
        var alone = PairedBootstrap.Difference(new[] { s0 });
        Assert.Equal((3.0, 1.1, 4.9), (alone.Mean, Math.Round(alone.Low, 12), Math.Round(alone.High, 12)));
    }

    [Fact]
    public void MiouIsResummedOverTheResampledImagesWithRepeats()
    {
        // Two images, one category. Image 0: I 2, U 4; image 1: I 1, U 1. Full: 3/5. Resample {0, 0}: 4/8 = 0.5;
        // {1, 1}: 2/2 = 1; {0, 1}: 3/5.
        var counts = new IouCounts(new long[] { 7 }, new[] { new long[] { 2 }, new long[] { 1 } }, new[] { new long[] { 4 }, new long[] { 1 } },
            new[] { new long[] { 3 }, new long[] { 1 } });
        Assert.Equal(0.6, counts.MIoU(), 12);
        Assert.Equal(0.5, counts.MIoU(new[] { 0, 0 }), 12);
        Assert.Equal(1.0, counts.MIoU(new[] { 1, 1 }), 12);
        var m = ResampledMetric.Of(idx => counts.MIoU(idx), 2, new[] { new[] { 0, 0 }, new[] { 1, 1 }, new[] { 0, 1 } });
        Assert.Equal(0.6, m.Full, 12);
        Assert.Equal(new[] { 0.5, 1.0, 0.6 }, m.Resampled.Select(v => Math.Round(v, 12)));
        // Level over one seed: mean 0.6, interval of {0.5, 0.6, 1.0} at 95%: 0.5 + 0.05 x 0.1 = 0.505 and 0.6 + 0.95 x 0.4 = 0.98.
        var level = PairedBootstrap.Level(new[] { m });
        Assert.Equal(0.505, level.Low, 12);
        Assert.Equal(0.98, level.High, 12);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 2, 3, 3, 3 })]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1 })]
    [InlineData(new[] { 0, 1, 2, 3, 4, 5 })]
    public void ApOnAResampleEqualsApOnADatasetHoldingTheDrawnCopies(int[] draw)
    {
        var (gt, dt) = CocoWorkload.Generate(images: 6, seed: 5);
        var resampled = new CocoResampledAp(new CocoEvaluator(gt, dt, IouType.Segm)).Accumulate(draw).Stats;

        // The same multiset as a real dataset: copy j of image draw[j] gets id j + 1 (so the copies keep the draw's
        // order), fresh annotation ids, and its own copies of the detections.
        var images = new List<CocoImage>(); var gts = new List<CocoAnnotation>(); var dts = new List<CocoAnnotation>();
        var ids = gt.Images.Select(i => i.Id).Order().ToArray();
        for (int j = 0; j < draw.Length; j++)
        {
            var img = gt.ImageById[ids[draw[j]]];
            long id = j + 1;
            images.Add(new CocoImage(id, img.Width, img.Height, $"{id}.jpg"));
            foreach (var a in gt.Annotations.Where(a => a.ImageId == img.Id))
                gts.Add(new CocoAnnotation { Id = gts.Count + 1, ImageId = id, CategoryId = a.CategoryId, Segmentation = a.Segmentation, Bbox = a.Bbox,
                    Area = a.Area, IsCrowd = a.IsCrowd, Index = gts.Count });
            foreach (var d in dt.Where(d => d.ImageId == img.Id))
                dts.Add(new CocoAnnotation { ImageId = id, CategoryId = d.CategoryId, Segmentation = d.Segmentation, Bbox = d.Bbox, Score = d.Score, Index = dts.Count });
        }
        var copies = new CocoDataset("copies", images, gts, gt.Categories.ToList());
        CocoJson.CompleteResults(dts, "copies-results", copies);
        var expected = new CocoEvaluator(copies, dts, IouType.Segm).Run().Stats;
        for (int s = 0; s < 12; s++) Assert.Equal(expected[s], resampled[s], 12);
    }
}
