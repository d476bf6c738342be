using MagvitSeg.Training;
using MagvitSeg.Config;
using MagvitSeg.Data.Coco;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Masking;
using MagvitSeg.Models.Head;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Study;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Study;

public class StudyPartsTests
{
    [Fact]
    public void PixelPatchesPutEachPixelInItsHandComputedChannel()
    {
        var img = arange(3 * 4 * 4, dtype: float32).reshape(1, 3, 4, 4);                    // value = c*16 + y*4 + x
        var maps = new PixelFeatureExtractor(new[] { 2 }).Extract(img);
        Assert.Single(maps);
        Assert.Equal(new long[] { 1, 12, 2, 2 }, maps[0].shape);
        // channel = c*f*f + dy*f + dx, cell (Y, X) holds pixel (Y*f + dy, X*f + dx)
        Assert.Equal(0 * 16 + 0 * 4 + 1, maps[0][0, 1, 0, 0].item<float>());                // c0 dy0 dx1 at cell (0,0) -> (0,1)
        Assert.Equal(0 * 16 + 3 * 4 + 0, maps[0][0, 2, 1, 0].item<float>());                // c0 dy1 dx0 at cell (1,0) -> (3,0)
        Assert.Equal(2 * 16 + 3 * 4 + 3, maps[0][0, 11, 1, 1].item<float>());              // c2 dy1 dx1 at cell (1,1) -> (3,3)
        // The baseline matches an encoder selection's grids: MAGVIT's 4-level layout at 64x64, pyramid = level 2 (1/4)
        // + latent (1/8); 4 = 2x2 patches of 3 channels at 1/4 ... 192 = 8x8 patches of 3 channels at 1/8.
        var cpu = TokenizerProfile.Cpu.Vqvae with { ChannelMultipliers = new[] { 1, 2, 4, 8 }, TemporalDownsample = new[] { true, true, false } };
        var grids = PixelFeatureExtractor.Matching(cpu, FeatureSelection.Named("pyramid")).Extract(zeros(2, 3, 64, 64));
        Assert.Equal(new long[] { 2, 48, 16, 16 }, grids[0].shape);
        Assert.Equal(new long[] { 2, 192, 8, 8 }, grids[1].shape);
    }

    [Fact]
    public void PlusPixelsAppendsEachMapsOwnPixelPatchesAfterTheEncoderChannels()
    {
        var parsed = FeatureSelection.Named(" Pyramid-Full+Pixels ");
        Assert.True(parsed.WithPixels);
        Assert.Equal(new[] { 1, 2 }, parsed.Levels);
        Assert.Equal("prequant-first-L1_2+pixels", parsed.Describe());
        Assert.NotEqual(FeatureSelection.Named("pyramid-full").Describe(), FeatureSelection.Named("pyramid-full+pixels").Describe());
        Assert.Throws<ArgumentException>(() => FeatureSelection.Named("pixels"));
        Assert.Throws<ArgumentException>(() => FeatureSelection.Named("pyramid+pixels+pixels"));

        manual_seed(3);
        var tiny = TokenizerProfile.Tiny.Vqvae;                                            // 32x32 stills, 1/2 and 1/4 levels, latent at 1/4
        using var model = new Magvit3dVqvae(tiny);
        model.eval();
        var plain = new EncoderFeatureExtractor(model, "random", ConditionConfig.Magvit, FeatureSelection.Named("pyramid-full"));
        var plus = new EncoderFeatureExtractor(model, "random", ConditionConfig.Magvit, FeatureSelection.Named("pyramid-full+pixels"));
        // Dyadic values, exact in float32: pixel (c, y, x) of image 1 holds (c*1024 + y*32 + x) / 4096.
        var img = (arange(2 * 3 * 32 * 32).to(ScalarType.Float32) - 3 * 32 * 32).reshape(2, 3, 32, 32) / 4096.0;
        using var noGrad = no_grad();
        var p = plain.Extract(img);
        var q = plus.Extract(img);
        Assert.Equal(3, q.Count);
        var factors = new[] { 2, 4, 4 };
        for (int i = 0; i < 3; i++)
        {
            long ch = p[i].shape[1], f = factors[i];
            Assert.Equal(new long[] { 2, ch + 3 * f * f, 32 / f, 32 / f }, q[i].shape);
            Assert.True(q[i].narrow(1, 0, ch).allclose(p[i]));                              // the encoder's own channels come first, unchanged
        }
        // The 1/2 map, image 1, channel ch + c*4 + dy*2 + dx at cell (Y, X) is pixel (c, 2Y + dy, 2X + dx):
        // c = 1, dy = 1, dx = 0 at cell (3, 2) -> pixel (1, 7, 4) = (1024 + 224 + 4) / 4096.
        Assert.Equal(1252 / 4096.0, q[0][1, p[0].shape[1] + 1 * 4 + 1 * 2 + 0, 3, 2].item<float>(), 6);
        // The 1/4 latent, c = 2, dy = 3, dx = 1 at cell (7, 0) -> pixel (2, 31, 1) = (2048 + 992 + 1) / 4096.
        Assert.Equal(3041 / 4096.0, q[2][1, p[2].shape[1] + 2 * 16 + 3 * 4 + 1, 7, 0].item<float>(), 6);
    }

    [Fact]
    public void HeadBatchesAreSeededPermutationsPerEpoch()
    {
        var a = BatchOrder.Indices(10, 3, seed: 4).Take(6).ToList();
        var b = BatchOrder.Indices(10, 3, seed: 4).Take(6).ToList();
        var c = BatchOrder.Indices(10, 3, seed: 5).Take(6).ToList();
        Assert.Equal(a.SelectMany(x => x), b.SelectMany(x => x));
        Assert.NotEqual(a.SelectMany(x => x), c.SelectMany(x => x));
        // 3 full batches per epoch (the 10th image waits for another epoch), no repeats inside an epoch
        Assert.Equal(9, a.Take(3).SelectMany(x => x).Distinct().Count());
        Assert.Equal(9, a.Skip(3).Take(3).SelectMany(x => x).Distinct().Count());
    }

    [Fact]
    public void GroundTruthMasksAsDetectionsScoreApAndMiouOf100AndWrongClassesScore0()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-he-" + Guid.NewGuid().ToString("N"));
        try
        {
            var gen = new MovingShapes(new MovingShapesConfig { Size = 32, Frames = 8, Seed = 3 });
            string json = MovingShapesStills.Export(gen, dir, "val", MovingShapesSplit.StillsVal, 6);
            var set = CocoImageSet.Load(json, Path.Combine(dir, "val"), 32);
            Assert.True(set.Targets.Sum(t => t.Count) >= 6);
            List<CocoAnnotation> Dets(Func<int, int> cls)
            {
                var dets = new List<CocoAnnotation>();
                for (int i = 0; i < set.Count; i++)
                {
                    var t = set.Targets[i];
                    var found = Enumerable.Range(0, t.Count).Select(k =>
                        new InstanceDetection(cls(t.Classes[k]), 0.9, k, 32, 32, t.Masks.AsSpan(k * 32 * 32, 32 * 32).ToArray()));
                    dets.AddRange(HeadEvaluation.ToAnnotations(found, set, i));
                }
                CocoJson.CompleteResults(dets, "test", set.LoadedGt);
                return dets;
            }
            var (perfect, _) = HeadEvaluation.Score(Dets(c => c), set);
            Assert.Equal(100, perfect.AP, 6);
            Assert.Equal(100, perfect.AP50, 6);
            Assert.Equal(100, perfect.MIoU, 6);
            var (wrong, _) = HeadEvaluation.Score(Dets(c => (c + 1) % set.NumClasses), set);
            Assert.Equal(0, wrong.AP, 6);
            Assert.Equal(0, wrong.MIoU, 6);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
