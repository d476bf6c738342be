using MagvitSeg.Config;
using MagvitSeg.Masking;
using MagvitSeg.Models.Head;
using MagvitSeg.Models.Tokenizer;
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
        var tok = TokenizerProfile.Tiny.Vqvae;                                               // its clip size and compression
        using var vqvae = new Magvit3dVqvae(tok);
        vqvae.eval();
        var cond = new ConditionConfig(Frames: tok.Frames, TemporalCompression: tok.TemporalFactor);
        using var clip = StillImageConditioner.FromImage(rand(new long[] { 2, 3, tok.Height, tok.Width }) * 2 - 1, cond);
        using var noGrad = no_grad();
        var enc = vqvae.Encoder.ForwardFeatures(clip.Video);
        Assert.Equal(clip.LatentMask.Length, enc.Latent.shape[2]);                         // the condition's latent frames match the encoder's
        var (lt, lh, lw) = tok.LatentShape;

        var feats = FeatureSelector.Select(new FeatureSelection(Levels: new[] { 1 }), enc.Latent, null, enc.Levels);
        Assert.Equal(new long[] { 2, enc.Levels[1].shape[1], tok.Height / 2, tok.Width / 2 }, feats[0].shape);
        Assert.Equal(new long[] { 2, tok.EmbeddingDim, lh, lw }, feats[1].shape);
        using var head = new MaskHead(feats.Select(f => f.shape[1]).ToArray(), 3, MaskHeadConfig.Tiny);
        using var o = head.forward(feats);
        Assert.Equal(new long[] { 2, 10, tok.Height, tok.Width }, o.MaskLogits.shape);   // finest feature (1/2) plus one extra upsample
    }
}
