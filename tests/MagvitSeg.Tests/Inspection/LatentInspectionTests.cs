using MagvitSeg.Config;
using MagvitSeg.Inspection;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Inspection;

public class LatentInspectionTests
{
    // An untrained tiny tokenizer: shapes and bookkeeping do not need trained weights.
    private static Magvit3dVqvae Tiny() => new(TokenizerProfile.Tiny.Vqvae);

    [Fact]
    public void CodeCountsAndUsageTable()
    {
        using var idx = tensor(new long[] { 0, 2, 2, 3 }).reshape(2, 2);
        var counts = LatentInspection.CodeCounts(idx, 5);
        Assert.Equal(new long[] { 1, 0, 2, 1, 0 }, counts);
        var table = LatentInspection.UsageTable(counts);
        Assert.Equal("3/5", table["codes used"][0]);
        Assert.Equal(2, (int)table["dead codes"][0]!);
        double p = Math.Exp(-(0.25 * Math.Log(0.25) * 2 + 0.5 * Math.Log(0.5)));
        Assert.Equal(p, (double)table["perplexity"][0]!, 9);
        Assert.Equal(50.0, (double)table["top code share (%)"][0]!, 9);
        Assert.Throws<ArgumentException>(() => LatentInspection.CodeCounts(idx, 3));
        var rank = LatentInspection.RankChart(counts);
        Assert.Equal(new[] { 2.0, 1, 1 }, ((MagvitSeg.Viz.LineTrace)rank.Traces[0]).Y);
    }

    [Fact]
    public void JointPcaGivesOneBitmapPerMapAtItsOwnSize()
    {
        manual_seed(3);
        var maps = new[] { randn(new long[] { 6, 4, 5 }), randn(new long[] { 6, 2, 3 }) };
        var bitmaps = LatentInspection.JointPca(maps, scale: 2);
        try
        {
            Assert.Equal((10, 8), (bitmaps[0].Width, bitmaps[0].Height));
            Assert.Equal((6, 4), (bitmaps[1].Width, bitmaps[1].Height));
        }
        finally { foreach (var b in bitmaps) b.Dispose(); foreach (var m in maps) m.Dispose(); }
    }

    [Fact]
    public void EncodeTokenMapsAndNearestPatchesOfAnUntrainedTokenizer()
    {
        using var model = Tiny();
        var v = model.Config;
        using var clips = rand(new long[] { 2, 3, v.Frames, v.Height, v.Width }) * 2 - 1;
        using var e = LatentInspection.Encode(model, clips);
        var (t, h, w) = v.LatentShape;
        Assert.Equal(new long[] { 2, v.EmbeddingDim, t, h, w }, e.Latent.shape);
        Assert.Equal(new long[] { 2, t, h, w }, e.Indices.shape);
        Assert.True(model.training);                                     // the mode is restored

        var maps = LatentInspection.TokenMaps(e, clip: 1, scale: 2);
        Assert.True(maps.Width > t * v.Width * 2 && maps.Height > 3 * v.Height * 2);

        var (codes, grid) = LatentInspection.NearestPatches(model, e, codes: 3, examples: 4, scale: 4);
        Assert.InRange(codes.Length, 1, 3);
        var counts = LatentInspection.CodeCounts(e.Indices, v.CodebookSize);
        Assert.Equal(counts.Max(), counts[codes[0]]);                    // most frequent first
        Assert.True(grid.Height > codes.Length * v.SpatialFactor * 4);

        using var images = rand(new long[] { 2, 3, v.Height, v.Width }) * 2 - 1;
        var stills = LatentInspection.ImageTokenMaps(model, images, ConditioningProbe.ConfigFor(model, "magvit"));
        Assert.True(stills.Height > 2 * v.Height * 3);
    }

    [Fact]
    public void ConditioningProbeComparesPaddingModes()
    {
        using var model = Tiny();
        var v = model.Config;
        Assert.Equal(v.TemporalFactor, ConditioningProbe.ConfigFor(model, "first-frame").ClipFrames);
        Assert.Equal(v.Frames, ConditioningProbe.ConfigFor(model, "zeros").ClipFrames);
        using var image = rand(new long[] { 3, v.Height, v.Width }) * 2 - 1;
        var results = ConditioningProbe.Run(model, image);
        try
        {
            Assert.Equal(ConditioningProbe.Modes, results.Select(r => r.Mode));
            Assert.Equal(v.LatentShape.T, results[0].CosineToConditionFrame.Length);
            Assert.Single(results[3].CosineToConditionFrame);
            Assert.All(results, r => Assert.Equal(1.0, r.CosineToConditionFrame[0], 5));
            var table = ConditioningProbe.Table(results);
            Assert.Equal(1.0, (double)table["cos(t'=0, alone)"][3]!, 5);
            Assert.Equal(100.0, (double)table["same tokens as alone (%)"][3]!, 9);
            Assert.Equal(4, ConditioningProbe.CosineChart(results).Traces.Count);
            var grid = ConditioningProbe.PcaGrid(image, results);
            Assert.True(grid.Width > (1 + v.LatentShape.T) * v.Height * 3);
        }
        finally { foreach (var r in results) r.Dispose(); }
    }

    [Fact]
    public void CosineToFirstIsPerLatentFrame()
    {
        // Frame 1 equals frame 0, frame 2 is its negative: cosines 1, 1, -1.
        using var f = randn(new long[] { 4, 1, 2, 2 });
        using var z = cat(new[] { f, f, -f }, 1);                        // [D, 3, h, w]
        var cos = ConditioningProbe.CosineToFirst(z);
        Assert.Equal(new[] { 1.0, 1.0, -1.0 }, cos.Select(c => Math.Round(c, 5)));
    }
}
