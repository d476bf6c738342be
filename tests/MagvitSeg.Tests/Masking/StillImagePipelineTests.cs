using MagvitSeg.Config;
using MagvitSeg.Masking;
using MagvitSeg.Models;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Masking;

/// <summary>Still image -> condition clip -> frozen tiny tokenizer -> selected features -> head: the shapes line up.</summary>
public class StillImagePipelineTests
{
    [Fact]
    public void ConditionEncodeSelectAndPredict()
    {
        TorchRuntime.Seed(0);
        var tok = TokenizerConfig.Tiny;                                                      // 8x32x32 clips, time /2, space /4
        using var vqvae = new Magvit3dVqvae(tok);
        vqvae.eval();
        var cond = new ConditionConfig(Frames: tok.Frames, TemporalCompression: tok.TemporalFactor);
        using var clip = StillImageConditioner.FromImage(rand(new long[] { 2, 3, tok.Size, tok.Size }) * 2 - 1, cond);
        using var noGrad = no_grad();
        using var enc = vqvae.Encode(clip.Video, keepLevels: true);
        Assert.Equal(clip.LatentMask.Length, enc.PreQuant.shape[2]);                       // the condition's latent frames match the encoder's

        var feats = FeatureSelector.Select(new FeatureSelection(Levels: new[] { 1 }), enc.PreQuant, enc.Quantized, enc.Levels);
        Assert.Equal(new long[] { 2, enc.Levels[1].shape[1], 16, 16 }, feats[0].shape);
        Assert.Equal(new long[] { 2, tok.EmbeddingDim, 8, 8 }, feats[1].shape);
        using var head = new MaskHead(feats.Select(f => f.shape[1]).ToArray(), 3, MaskHeadConfig.Tiny);
        using var o = head.forward(feats);
        Assert.Equal(new long[] { 2, 10, 32, 32 }, o.MaskLogits.shape);
    }
}
