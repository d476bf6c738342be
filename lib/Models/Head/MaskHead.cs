using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>One decoder layer's predictions.</summary>
/// <param name="ClassLogits">[B, N, K+1], "no object" last.</param>
/// <param name="MaskLogits">[B, N, Hm, Wm].</param>
public sealed record LayerPrediction(Tensor ClassLogits, Tensor MaskLogits);

/// <summary>Predictions after every decoder layer; the last is the head's answer, the others feed auxiliary losses.</summary>
public sealed record MaskHeadOutput(IReadOnlyList<LayerPrediction> Layers) : IDisposable
{
    /// <summary>Final class logits [B, N, K+1].</summary>
    public Tensor ClassLogits => Layers[^1].ClassLogits;

    /// <summary>Final mask logits [B, N, Hm, Wm].</summary>
    public Tensor MaskLogits => Layers[^1].MaskLogits;

    public void Dispose()
    {
        foreach (var l in Layers) { l.ClassLogits.Dispose(); l.MaskLogits.Dispose(); }
    }
}

/// <summary>
/// Query-based mask classification head: a light FPN pixel decoder gives per-pixel embeddings; N learned queries
/// cross-attend (masked by the previous prediction) to the FPN levels in turn, coarse first (+ sine positions), self-attend and pass an MLP, L times; each query yields
/// class logits over K+1 and a mask embedding whose dot product with the per-pixel embeddings is its mask logit map.
/// </summary>
public sealed class MaskHead : nn.Module<IReadOnlyList<Tensor>, MaskHeadOutput>
{
    private readonly PixelDecoder pixel_decoder;
    private readonly Parameter query_feat, query_pos;
    private readonly ModuleList<QueryDecoderLayer> layers = new();
    private readonly LayerNorm decoder_norm;
    private readonly Linear class_embed;
    private readonly Sequential mask_embed;
    private readonly MaskRoiPool? class_roi;

    /// <summary>The configuration the head was built with.</summary>
    public MaskHeadConfig Config { get; }

    /// <summary>Object classes K (the logits have K+1 entries).</summary>
    public int NumClasses { get; }

    /// <summary>Channels of each input feature map, finest first.</summary>
    public IReadOnlyList<long> FeatureChannels { get; }

    /// <param name="featureChannels">Channels of the input maps, finest first (coarsest last).</param>
    /// <param name="numClasses">Object classes K (without "no object").</param>
    /// <param name="config">Sizes.</param>
    public MaskHead(IReadOnlyList<long> featureChannels, int numClasses, MaskHeadConfig config) : base(nameof(MaskHead))
    {
        config.Validate();
        if (featureChannels.Count == 0) throw new ArgumentException("MaskHead: at least one feature level is needed.");
        if (numClasses < 1) throw new ArgumentException($"MaskHead: numClasses is {numClasses}; it must be at least 1.");
        Config = config;
        NumClasses = numClasses;
        FeatureChannels = featureChannels.ToArray();
        long d = config.HiddenDim;
        pixel_decoder = new PixelDecoder(featureChannels, config);
        query_feat = new Parameter(randn(new long[] { config.Queries, d }));
        query_pos = new Parameter(randn(new long[] { config.Queries, d }));
        for (int i = 0; i < config.DecoderLayers; i++) layers.Add(new QueryDecoderLayer(d, config.Heads, config.FeedForwardDim, config.Dropout));
        decoder_norm = nn.LayerNorm(d);
        class_embed = nn.Linear(d, numClasses + 1);
        mask_embed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, config.MaskDim));
        if (config.ClassRoiGrid > 0) class_roi = new MaskRoiPool(config.MaskDim, d, config.ClassRoiGrid, config.ClassRoiConv);
        RegisterComponents();
    }

    /// <summary>Feature maps [B, Ci, Hi, Wi] (finest first) -> per-layer class and mask logits.</summary>
    public override MaskHeadOutput forward(IReadOnlyList<Tensor> features)
    {
        for (int i = 0; i < features.Count && i < FeatureChannels.Count; i++)
            if (features[i].dim() != 4 || features[i].shape[1] != FeatureChannels[i])
                throw new ArgumentException($"MaskHead: feature {i} must be [B, {FeatureChannels[i]}, H, W], got [{string.Join(", ", features[i].shape)}].");
        using var scope = NewDisposeScope();
        var (levels, pixel) = pixel_decoder.forward(features);                            // coarse..fine [B, D, hi, wi], [B, M, Hm, Wm]
        long b = levels[0].shape[0], d = levels[0].shape[1];
        // Mask2Former's round robin: layer l attends to FPN level l mod levels, coarse first, so queries see the fine
        // levels' shape detail and not only the coarsest grid.
        var memories = levels.Select(l => l.flatten(2).transpose(1, 2)).ToArray();          // [B, hi*wi, D]
        var memoryPos = levels.Select(l => SinePositions.Grid(l.shape[2], l.shape[3], d, l.device).unsqueeze(0)).ToArray();
        var queries = query_feat.unsqueeze(0).expand(b, -1, -1);                            // [B, N, D]
        var qpos = query_pos.unsqueeze(0);                                                  // [1, N, D]
        // Mask2Former: a prediction from the learned queries themselves, then every layer attends only inside the
        // previous prediction's mask (masked attention), which is what lets a small head converge in few steps.
        var outputs = new List<LayerPrediction> { Predict(queries, pixel) };
        scope.MoveToOuter(outputs[0].ClassLogits, outputs[0].MaskLogits);
        for (int i = 0; i < layers.Count; i++)
        {
            var level = levels[i % levels.Length];
            var blocked = AttentionBlock(outputs[^1].MaskLogits, level.shape[2], level.shape[3]);
            queries = layers[i].Forward(queries, qpos, memories[i % levels.Length], memoryPos[i % levels.Length], blocked);
            var p = Predict(queries, pixel);
            scope.MoveToOuter(p.ClassLogits, p.MaskLogits);
            outputs.Add(p);
        }
        return new MaskHeadOutput(outputs);
    }

    private LayerPrediction Predict(Tensor queries, Tensor pixel)
    {
        var normed = decoder_norm.forward(queries);
        var emb = mask_embed.forward(normed);                                               // [B, N, M]
        var masks = einsum("bnm,bmhw->bnhw", emb, pixel);                                   // [B, N, Hm, Wm]
        // With the RoI read-out the class also sees the query's own mask outline (see MaskRoiPool).
        var cls = class_embed.forward(class_roi is null ? normed : normed + class_roi.forward(masks, pixel)); // [B, N, K+1]
        return new LayerPrediction(cls, masks);
    }

    // Mask logits resized to the memory grid; positions with probability < 0.5 are blocked, and a query whose mask is
    // empty may attend everywhere (as Mask2Former does, so softmax never sees an all -inf row).
    private static Tensor AttentionBlock(Tensor maskLogits, long h, long w)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var small = nn.functional.interpolate(maskLogits.detach(), new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false);
        var blocked = small.flatten(2) < 0;                                                 // sigmoid < 0.5  [B, N, h*w]
        var all = blocked.all(-1, keepdim: true);
        return scope.MoveToOuter(blocked.logical_and(all.logical_not()));
    }

    /// <summary>Trainable parameters.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
