using MagvitSeg.Config;
using MagvitSeg.Models;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models;

public class Magvit3dVqvaeTests
{
    // Parameter counts from an independent PyTorch twin of the same architecture (Debian python3-torch 1.13, /tmp/twin.py
    // in the issue note): encoder + decoder + codebook. MAGVIT-B/L: the paper's ~40.6 M and ~157.8 M.
    [Theory]
    [InlineData("tiny", 443_267L)]
    [InlineData("cpu", 5_335_107L)]
    [InlineData("magvit-b", 40_579_843L)]
    [InlineData("magvit-l", 157_811_971L)]
    public void ParameterCountsMatchThePyTorchTwin(string profile, long expected)
    {
        using var model = new Magvit3dVqvae(TokenizerConfig.Profile(profile));
        Assert.Equal(expected, model.ParameterCount());
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("cpu")]
    public void EncoderAndDecoderShapesFollowTheProfile(string profile)
    {
        var c = TokenizerConfig.Profile(profile);
        TorchRuntime.Seed(0);
        using var model = new Magvit3dVqvae(c);
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 1, 3, c.Frames, c.Size, c.Size }) * 2 - 1;
        using var enc = model.Encode(x, keepLevels: true);
        long t = c.Frames / c.TemporalFactor, s = c.Size / c.SpatialFactor;
        Assert.Equal(new long[] { 1, c.EmbeddingDim, t, s, s }, enc.PreQuant.shape);
        Assert.Equal(enc.PreQuant.shape, enc.Quantized.shape);
        Assert.Equal(new long[] { 1, t, s, s }, enc.Indices.shape);
        Assert.Equal(c.ChannelMultipliers.Length, enc.Levels.Length);
        Assert.Equal(c.Size, enc.Levels[0].shape[3]);                    // finest level at full resolution
        var y = model.forward(x);
        Assert.Equal(x.shape, y.shape);
        Assert.False(y.isnan().any().item<bool>());
    }

    [Fact]
    public void MagvitBTurns16x128x128Into4x16x16Tokens()
    {
        var c = TokenizerConfig.MagvitB;
        Assert.Equal((4, 8), (c.TemporalFactor, c.SpatialFactor));
        Assert.Equal((4, 16), (c.Frames / c.TemporalFactor, c.Size / c.SpatialFactor));
    }

    [Fact]
    public void StraightThroughGradientsReachTheEncoder()
    {
        // Reconstruction loss only: the path to the encoder goes through argmin, so only the straight-through
        // estimator can carry a gradient there. libtorch 2.10's CPU backward returns NaN now and then (see WarmUp),
        // so up to three attempts are made; a broken estimator gives zero gradients on every one.
        TorchRuntime.Seed(1);
        using var model = new Magvit3dVqvae(TokenizerConfig.Tiny);
        var sums = new List<float>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var scope = NewDisposeScope();
            foreach (var p in model.parameters()) p.grad = null;
            var x = rand(new long[] { 2, 3, 8, 32, 32 }) * 2 - 1;
            var (rec, vq, _) = model.ForwardTrain(x);
            (rec - x).square().mean().backward();
            vq.Dispose();
            float s = model.Encoder.parameters().First().grad!.abs().sum().item<float>();
            sums.Add(s);
            if (float.IsFinite(s)) break;
        }
        Assert.True(float.IsFinite(sums[^1]) && sums[^1] > 0, "encoder gradient sums per attempt: " + string.Join(", ", sums));
    }

    [Fact]
    public void QuantiserPicksTheNearestCodeAndIsExactOnCodes()
    {
        var vq = new VectorQuantizer(3, 2, entropyLoss: false);
        using (no_grad()) vq.Codebook.copy_(tensor(new float[] { 0, 0, 1, 0, 0, 1 }, new long[] { 3, 2 }));
        // latents [B=1, D=2, T=1, H=1, W=3]: (0.9, 0.1) -> code 1, (0.1, 0.8) -> code 2, (0.1, 0.1) -> code 0
        var z = tensor(new float[] { 0.9f, 0.1f, 0.1f, 0.1f, 0.8f, 0.1f }, new long[] { 1, 2, 1, 1, 3 });
        using var o = vq.forward(z);
        Assert.Equal(new long[] { 1, 2, 0 }, o.Indices.flatten().data<long>().ToArray());
        // codebook loss = mean squared distance to the chosen codes: ((.1^2+.1^2) + (.1^2+.2^2) + (.1^2+.1^2)) / 6
        Assert.Equal((0.02 + 0.05 + 0.02) / 6, o.CodebookLoss.item<float>(), 5);
        Assert.Equal(o.CodebookLoss.item<float>(), o.CommitmentLoss.item<float>(), 6);
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0 }, o.Quantized.flatten().data<float>().ToArray());
    }

    [Fact]
    public void InflatedVideoEncoderSeesAStillClipLikeTheImageEncoderSeesTheFrame()
    {
        // An image tokenizer (T = 1) only uses the temporal centre of its 3x3x3 kernels; central inflation copies that
        // centre and zeros the rest, so on a clip of identical frames each latent frame equals the image latent
        // (zero temporal padding only matters at the ends, which the centre-only kernels ignore).
        TorchRuntime.Seed(2);
        var cImg = TokenizerConfig.Tiny with { Frames = 1, TemporalDownsample = new[] { false, false } };
        using var image = new Magvit3dVqvae(cImg);
        using var video = new Magvit3dVqvae(TokenizerConfig.Tiny with { TemporalDownsample = new[] { false, false } });
        video.InflateFrom(image);
        using var scope = NewDisposeScope();
        var frame = rand(new long[] { 1, 3, 1, 32, 32 }) * 2 - 1;
        var clip = frame.expand(1, 3, 8, 32, 32).contiguous();
        using (no_grad())
        {
            var zi = image.Encoder.forward(frame);                      // [1, D, 1, 8, 8]
            var zv = video.Encoder.forward(clip);                       // [1, D, 8, 8, 8]
            for (int t = 0; t < 8; t++)
                Assert.True(zv[.., .., t].allclose(zi[.., .., 0], rtol: 1e-4, atol: 1e-5), $"latent frame {t} differs");
        }
    }
}
