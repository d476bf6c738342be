using MagvitSeg.Evaluation;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Evaluation;

public class ReconstructionMetricsTests
{
    [Fact]
    public void PsnrOfAKnownErrorIsTenLog10OfOneOverMse()
    {
        // Every pixel off by 0.1 -> MSE 0.01 -> PSNR 20 dB exactly.
        using var a = full(new long[] { 2, 3, 12, 12 }, 0.5f);
        using var b = full(new long[] { 2, 3, 12, 12 }, 0.6f);
        var psnr = ReconstructionMetrics.Psnr(a, b).data<float>().ToArray();
        Assert.All(psnr, v => Assert.Equal(20.0, v, 3));
        Assert.True(float.IsPositiveInfinity(ReconstructionMetrics.Psnr(a, a)[0].item<float>()));
    }

    [Fact]
    public void SsimOfConstantFramesIsTheLuminanceTerm()
    {
        // Constant frames have zero variance, so SSIM = (2ab + C1) / (a² + b² + C1) with C1 = 1e-4:
        // a = 0.5, b = 0.6: (0.6 + 1e-4) / (0.61 + 1e-4) = 0.98361...
        using var a = full(new long[] { 1, 3, 16, 16 }, 0.5f);
        using var b = full(new long[] { 1, 3, 16, 16 }, 0.6f);
        double expected = (2 * 0.5 * 0.6 + 1e-4) / (0.25 + 0.36 + 1e-4);
        Assert.Equal(expected, ReconstructionMetrics.Ssim(a, b)[0].item<float>(), 5);
        Assert.Equal(1.0, ReconstructionMetrics.Ssim(b, b)[0].item<float>(), 6);
    }

    [Fact]
    public void SsimAndPsnrMatchAnIndependentNumpyImplementation()
    {
        // /usr/bin/python3 tests/MagvitSeg.Tests/Models/twin/ssim_ref.py: a loop-based numpy SSIM with tf.image.ssim's definition on
        // x = 0.5 + 0.4 sin(0.31 k), y = clip(x + 0.1 cos(0.17 k), 0, 1), shape [3, 16, 20].
        var k = arange(3 * 16 * 20, dtype: float64);
        var x = (0.5 + 0.4 * (k * 0.31).sin()).reshape(1, 3, 16, 20);
        var y = (x + 0.1 * (k * 0.17).cos().reshape(1, 3, 16, 20)).clamp(0, 1);
        Assert.Equal(0.8358057813129145, ReconstructionMetrics.Ssim(x, y)[0].item<float>(), 5);
        Assert.Equal(23.014398544408515, ReconstructionMetrics.Psnr(x, y)[0].item<double>(), 6);
    }

    [Fact]
    public void ClipsMapToUnitFramesTimeMajor()
    {
        using var clip = zeros(new long[] { 1, 3, 2, 4, 4 });
        clip[0, .., 1] = ones(new long[] { 3, 4, 4 });
        var frames = ReconstructionMetrics.ClipToUnitFrames(clip);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, frames.shape);
        Assert.Equal(0.5f, frames[0].mean().item<float>());
        Assert.Equal(1f, frames[1].mean().item<float>());
    }

    [Fact]
    public void BlockMeansKeepOnlyEachSquaresAverage()
    {
        // One 2x2 block [0 0; 0 1] -> mean 0.25; squared errors 3 x 0.0625 + 0.5625 = 0.75 over 4 pixels:
        // MSE 0.1875, PSNR 10 log10(1 / 0.1875) = 7.2700 dB. A 4x4 frame, left half 0, right half 1: 2x2 blocks are
        // uniform (exact), one 4x4 block averages to 0.5 everywhere (MSE 0.25, 6.0206 dB).
        using var corner = tensor(new float[] { 0, 0, 0, 1 }).reshape(1, 1, 2, 2);
        using var cornerMeans = ReconstructionMetrics.BlockMeans(corner, 2);
        Assert.Equal(new float[] { 0.25f, 0.25f, 0.25f, 0.25f }, cornerMeans.data<float>().ToArray());
        Assert.Equal(7.2700, ReconstructionMetrics.Psnr(corner, cornerMeans)[0].item<float>(), 4);

        using var halves = cat(new[] { zeros(1, 3, 4, 2), ones(1, 3, 4, 2) }, 3);
        using var byTwo = ReconstructionMetrics.BlockMeans(halves, 2);
        Assert.Equal(halves.data<float>().ToArray(), byTwo.data<float>().ToArray());
        using var byFour = ReconstructionMetrics.BlockMeans(halves, 4);
        Assert.All(byFour.data<float>().ToArray(), v => Assert.Equal(0.5f, v));
        Assert.Equal(6.0206, ReconstructionMetrics.Psnr(halves, byFour)[0].item<float>(), 4);

        // Blocks are per frame and per channel: frame 1's second channel does not leak into frame 0 or channel 0.
        using var two = zeros(2, 2, 2, 2);
        two[1, 1] = ones(2, 2);
        using var twoMeans = ReconstructionMetrics.BlockMeans(two, 2);
        Assert.Equal(two.data<float>().ToArray(), twoMeans.data<float>().ToArray());

        Assert.Throws<ArgumentException>(() => ReconstructionMetrics.BlockMeans(zeros(1, 3, 6, 8), 4));
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        using var a = zeros(new long[] { 1, 3, 16, 16 });
        using var b = zeros(new long[] { 1, 3, 16, 15 });
        Assert.Throws<ArgumentException>(() => ReconstructionMetrics.Psnr(a, b));
    }
}
