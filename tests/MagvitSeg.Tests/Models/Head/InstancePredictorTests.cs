using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Head;

public class InstancePredictorTests
{
    [Fact]
    public void LetterboxGeometry()
    {
        var g = ImageGeometry.Letterbox(20, 40, 32);                                          // scale 0.8 -> 16 x 32
        Assert.Equal(new ImageGeometry(32, 32, 0, 0, 32, 16, 20, 40), g);
    }

    [Fact]
    public void MasksAreCroppedToTheValidBoxAndResizedToTheOriginal()
    {
        // Query 0 says class 0 (p = e^4 / (e^4 + 2)) with logit +10 on the top-left 4x4 cells of an 8x8 grid over a
        // 32x32 input, i.e. input rows/cols 0..15. The image (20 x 40) fills input rows 0..15: the crop keeps the
        // left half of its columns, so at the original size the mask is every row, columns 0..19 (up to the corner
        // that bilinear upsampling rounds off).
        var cls = tensor(new float[] { 4, 0, 0, 0, 0, 3 }).reshape(1, 2, 3);
        var masks = full(new long[] { 1, 2, 8, 8 }, -10f);
        masks[0, 0, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)] = tensor(10f);
        using var output = new MaskHeadOutput(new[] { new LayerPrediction(cls, masks) });
        var dets = InstancePredictor.Predict(output, new[] { ImageGeometry.Letterbox(20, 40, 32) })[0];

        Assert.Equal(4, dets.Count);                                                          // min(100, N * K)
        Assert.True(dets.Zip(dets.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        var best = dets[0];
        Assert.Equal((0, 0, 20, 40), (best.Category, best.Query, best.Height, best.Width));
        var expected = new byte[20 * 40];
        for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) expected[y * 40 + x] = 1;
        int inter = expected.Zip(best.Mask).Count(p => p.First == 1 && p.Second == 1);
        int union = expected.Zip(best.Mask).Count(p => p.First == 1 || p.Second == 1);
        Assert.True(inter > 0.95 * union, $"IoU {inter}/{union}");
        Assert.Equal(1, best.Mask[19 * 40 + 10]);                                            // the last row: the crop worked
        Assert.Equal(0, best.Mask[10 * 40 + 25]);
        double p = Math.Exp(4) / (Math.Exp(4) + 2);
        Assert.InRange(best.Score, 0.9 * p, p);                                               // x mean mask probability < 1
    }
    [Fact]
    public void MaskNmsDropsSameClassDuplicatesOfOtherQueriesOnly()
    {
        // Three queries on an 8x8 mask grid: q0 and q2 on the same 4x4 square, q1 on that square moved right by 2
        // (IoU with it 8 / 24 = 1/3). q0 and q1 say class 0, q2 class 1; every query also has the other class's pair.
        var cls = tensor(new float[] { 4, 0, 0, 3.5f, 0, 0, 0, 4, 0 }).reshape(1, 3, 3);
        var masks = full(new long[] { 1, 3, 8, 8 }, -10f);
        masks[0, 0, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)] = tensor(10f);
        masks[0, 1, TensorIndex.Slice(0, 4), TensorIndex.Slice(2, 6)] = tensor(10f);
        masks[0, 2, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)] = tensor(10f);
        using var output = new MaskHeadOutput(new[] { new LayerPrediction(cls, masks) });
        var g = new[] { ImageGeometry.Full(32, 32, 32, 32) };

        var iou = InstancePredictor.QueryMaskIou(masks[0]);
        double[] expected = { 1, 1.0 / 3, 1, 1.0 / 3, 1, 1.0 / 3, 1, 1.0 / 3, 1 };
        Assert.Equal(expected.Length, iou.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], iou[i], 6);

        var all = InstancePredictor.Predict(output, g, new PredictConfig(NmsIou: 0))[0];
        Assert.Equal(6, all.Count);
        var kept = InstancePredictor.Predict(output, g)[0];   // NMS at IoU 0.5 by default
        // Class 0: q0, then q1 (IoU 1/3, kept); q2's class-0 pair duplicates q0. Class 1: q2, then q1 (1/3, kept);
        // q0's class-1 pair duplicates q2.
        Assert.Equal(new[] { (0, 0), (0, 1), (1, 1), (1, 2) }, kept.Select(d => (d.Category, d.Query)).Order().ToArray());
        Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        // A threshold below 1/3 also drops the shifted square's pairs.
        var strict = InstancePredictor.Predict(output, g, new PredictConfig(NmsIou: 0.3))[0];
        Assert.Equal(new[] { (0, 0), (1, 2) }, strict.Select(d => (d.Category, d.Query)).Order().ToArray());
        Assert.Throws<ArgumentException>(() => InstancePredictor.Predict(output, g, new PredictConfig(NmsIou: 1.5)));
    }
}
