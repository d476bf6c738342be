using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

public class InflationTests
{
    [Fact]
    public void InflatedEncoderOnIdenticalFramesEqualsTheImageEncoderOnTheFrame()
    {
        // Zero temporal taps mean each frame only sees itself; GroupNorm statistics, average pooling and nearest
        // upsampling of identical frames equal those of one frame, so no edge effect remains: equality is exact
        // up to float rounding.
        var profile = TokenizerProfile.Tiny;
        random.manual_seed(0);
        using var image = new Magvit3dVqvae(profile.ImageTwin().Vqvae);
        TwinWeights.SinInit(image);
        using var video = new Magvit3dVqvae(profile.Vqvae);
        Inflation.InflateCentral(image, video);
        image.eval(); video.eval();
        using var _ = no_grad();
        using var frame = rand(new long[] { 2, 3, 1, 32, 32 }) * 2 - 1;   // [B, 3, 1, H, W]
        using var clip = frame.expand(2, 3, 8, 32, 32).contiguous();       // [B, 3, T, H, W]
        var zImage = image.Encoder.forward(frame);                          // [B, D, 1, h, w]
        var zVideo = video.Encoder.forward(clip);                           // [B, D, T/2, h, w]
        Assert.Equal(4, zVideo.shape[2]);
        var diff = (zVideo - zImage.expand_as(zVideo)).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"max |z3d - z2d| = {diff}");
        Assert.True(zImage.abs().max().item<float>() > 1e-2);
        // The decoder is inflated the same way. Both decode the same codes: re-quantising the two latents could pick
        // different codes where two are almost equidistant (float rounding), which made this check flaky.
        var q = image.Encode(frame).Quantized;                              // [B, D, 1, h, w]
        var yImage = image.Decode(q);
        var yVideo = video.Decode(q.expand(-1, -1, zVideo.shape[2], -1, -1).contiguous());
        Assert.True((yVideo - yImage.expand_as(yVideo)).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void InflatedKernelHasTheImageKernelAtTheTemporalCentre()
    {
        using var image = new Magvit3dVqvae(TokenizerProfile.Tiny.ImageTwin().Vqvae);
        using var video = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        Inflation.InflateCentral(image, video);
        var w2 = image.state_dict()["encoder.conv_in.weight"];              // [F, 3, 1, 3, 3]
        var w3 = video.state_dict()["encoder.conv_in.weight"];              // [F, 3, 3, 3, 3]
        Assert.Equal(0, (w3.narrow(2, 1, 1) - w2).abs().max().item<float>());
        Assert.Equal(0, w3.narrow(2, 0, 1).abs().max().item<float>());
        Assert.Equal(0, w3.narrow(2, 2, 1).abs().max().item<float>());
    }

    [Fact]
    public void MismatchedModelsAreRejected()
    {
        using var image = new Magvit3dVqvae(TokenizerProfile.Cpu.ImageTwin().Vqvae);
        using var video = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        Assert.Throws<ArgumentException>(() => Inflation.InflateCentral(image, video));
    }
}
