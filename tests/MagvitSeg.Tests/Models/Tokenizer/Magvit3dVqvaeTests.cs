using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

public class Magvit3dVqvaeTests
{
    // Parameter counts of the VQ model (encoder + codebook + decoder, no discriminator) from the independent PyTorch
    // twin (tests/MagvitSeg.Tests/Models/twin/magvit_twin.py, written from google-research/magvit enc_dec_3dcnn.py + vqvae.py; Debian torch 1.13):
    // `sum(p.numel() for p in VQVAE(cfg).parameters())`. The paper-side figures are ~40.6 M (B) and ~157.8 M (L).
    private const long MagvitBParams = 40_579_843;
    private const long MagvitLParams = 157_811_971;
    private const long TinyParams = 427_891;

    [Theory]
    [InlineData("magvit-b", MagvitBParams)]
    [InlineData("magvit-l", MagvitLParams)]
    [InlineData("tiny", TinyParams)]
    public void ParameterCountMatchesThePyTorchTwin(string profile, long expected)
    {
        using var model = new Magvit3dVqvae(TokenizerProfile.Get(profile).Vqvae);
        Assert.Equal(expected, model.ParameterCount());
    }

    [Fact]
    public void PaperSizesAreWithinTwoPercentOfTheReportedCounts()
    {
        Assert.InRange(MagvitBParams / 40.6e6, 0.98, 1.02);
        Assert.InRange(MagvitLParams / 157.8e6, 0.98, 1.02);
    }

    [Theory]
    [InlineData("tiny", 1)]
    [InlineData("cpu", 2)]
    public void ReconstructionAndTokensHaveTheProfileShapes(string name, int shrink)
    {
        // The cpu profile runs at half its clip size (same layers) to keep the test fast.
        var full = TokenizerProfile.Get(name).Vqvae;
        var cfg = full with { Frames = full.Frames / shrink, Height = full.Height / shrink, Width = full.Width / shrink };
        using var model = new Magvit3dVqvae(cfg);
        model.eval();
        using var _ = no_grad();
        using var x = rand(new long[] { 1, 3, cfg.Frames, cfg.Height, cfg.Width }) * 2 - 1;
        var enc = model.Encode(x);
        var (t, h, w) = cfg.LatentShape;
        Assert.Equal(new long[] { 1, cfg.EmbeddingDim, t, h, w }, enc.Latent.shape);
        Assert.Equal(new long[] { 1, cfg.EmbeddingDim, t, h, w }, enc.Quantized.shape);
        Assert.Equal(new long[] { 1, t, h, w }, enc.Indices.shape);
        var y = model.Decode(enc.Quantized);
        Assert.Equal(x.shape, y.shape);
        Assert.False(y.isnan().any().item<bool>());
        Assert.Equal(y.shape, model.DecodeIndices(enc.Indices).shape);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("magvit-b")]
    public void PaperProfilesCompressSixteenByOneTwentyEightToFourBySixteen(string name)
    {
        var cfg = TokenizerProfile.Get(name).Vqvae;
        Assert.Equal((16, 128, 128), (cfg.Frames, cfg.Height, cfg.Width));
        Assert.Equal((4, 16, 16), cfg.LatentShape);
        // A reduced forward (4x16x16 clip -> 1x2x2 tokens) keeps the check fast while running every layer.
        using var model = new Magvit3dVqvae(cfg with { Frames = 4, Height = 16, Width = 16 });
        model.eval();
        using var _ = no_grad();
        using var x = zeros(new long[] { 1, 3, 4, 16, 16 });
        var enc = model.Encode(x);
        Assert.Equal(new long[] { 1, 256, 1, 2, 2 }, enc.Latent.shape);
        Assert.Equal(x.shape, model.Decode(enc.Quantized).shape);
    }

    [Fact]
    public void StraightThroughGradientsReachTheEncoder()
    {
        using var model = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        using var x = rand(new long[] { 1, 3, 8, 32, 32 }) * 2 - 1;
        var enc = model.Encode(x);
        var y = model.Decode(enc.Quantized);
        var loss = (y - x).square().mean() + enc.Quantizer.Loss;
        loss.backward();
        var firstConv = model.Encoder.named_parameters().First(p => p.name == "conv_in.weight").parameter;
        Assert.NotNull(firstConv.grad);
        Assert.True(firstConv.grad!.abs().sum().item<float>() > 0);
        Assert.True(model.Quantizer.Codebook.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void MatchesThePyTorchTwinForTheSameWeights()
    {
        // Expected numbers: /usr/bin/python3 tests/MagvitSeg.Tests/Models/twin/magvit_twin.py (torch 1.13 CPU), TINY config, SinInit weights,
        // input 0.9 sin(0.11 k) of shape [1, 3, 8, 32, 32]; printed as JSON and copied here. SinInit numbers the tensors by
        // sorted name, so these changed with the level keys (encoder.levels.I.blocks.J); the twin with the level modules
        // but pre-level names for the numbering still printed the earlier numbers exactly (z sum 10.8136, y sum -58.7311).
        using var model = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        TwinWeights.SinInit(model);
        model.eval();
        using var _ = no_grad();
        using var x = TwinWeights.SinClip(1, 8, 32, 32);
        var enc = model.Encode(x);
        var q = enc.Quantizer;
        var y = model.Decode(enc.Quantized);
        Assert.Equal(0.7404167652130127, enc.Latent.sum().item<float>(), 1e-3);
        Assert.Equal(530.4989624023438, enc.Latent.abs().sum().item<float>(), 1e-2);
        var z0 = enc.Latent.flatten().narrow(0, 0, 3).data<float>().ToArray();
        Assert.Equal(-0.0025063036009669304, z0[0], 2e-5);
        Assert.Equal(-0.07416626065969467, z0[1], 2e-5);
        Assert.Equal(-0.12809622287750244, z0[2], 2e-5);
        Assert.Equal(7165, enc.Indices.sum().item<long>());
        Assert.Equal(new long[] { 35, 18, 1, 1, 18, 18, 53, 36 }, enc.Indices.flatten().narrow(0, 0, 8).data<long>().ToArray());
        Assert.Equal(0.011495167389512062, q.CommitmentLoss.item<float>(), 2e-6);
        Assert.Equal(0.04598066583275795, q.CodebookLoss.item<float>(), 2e-6);
        Assert.Equal(-0.05328729376196861, q.EntropyLoss.item<float>(), 2e-5);
        Assert.Equal(10.534978866577148, q.Perplexity.item<float>(), 1e-3);
        Assert.Equal(-241.36468505859375, y.sum().item<float>(), 2e-2);
        // float32 rounding: the twin in float64 gives 32396.36, the twin in float32 2.5 below, C# 1.1 below.
        Assert.Equal(32393.876953125, y.abs().sum().item<float>(), 3.0);
        var y0 = y.flatten().narrow(0, 0, 3).data<float>().ToArray();
        Assert.Equal(0.051316555589437485, y0[0], 5e-5);
        Assert.Equal(0.051864564418792725, y0[1], 5e-5);
        Assert.Equal(0.004880159627646208, y0[2], 5e-5);
    }

    [Fact]
    public void FreezeEncoderStopsItsGradients()
    {
        using var model = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        model.FreezeEncoder();
        Assert.All(model.Encoder.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(model.Decoder.parameters(), p => Assert.True(p.requires_grad));
    }
}
