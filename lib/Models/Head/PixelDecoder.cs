using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// A light FPN: 1x1 lateral convs to D, top-down nearest upsampling + 3x3 convs, optional extra 2x stages, and a 1x1
/// projection to the per-pixel mask embeddings. Input maps are finest first, coarsest last.
/// </summary>
public sealed class PixelDecoder : nn.Module<IReadOnlyList<Tensor>, (Tensor[] Levels, Tensor PixelEmbeddings)>
{
    private readonly ModuleList<Sequential> laterals = new();
    private readonly ModuleList<Sequential> outputs = new();
    private readonly ModuleList<Sequential> extra = new();
    private readonly ModuleList<Sequential> context = new();
    private readonly Conv2d mask_proj;

    public PixelDecoder(IReadOnlyList<long> inChannels, MaskHeadConfig c) : base(nameof(PixelDecoder))
    {
        long d = c.HiddenDim;
        foreach (long ch in inChannels)
        {
            laterals.Add(nn.Sequential(nn.Conv2d(ch, d, 1, bias: false), Layers.GroupNorm(Layers.Groups(d), d, 1e-5)));
            outputs.Add(ConvBlock(d));
        }
        for (int i = 0; i < c.ExtraUpsample; i++) extra.Add(ConvBlock(d));
        for (int i = 0; i < c.ContextBlocks; i++) context.Add(ConvBlock(d));
        mask_proj = nn.Conv2d(d, c.MaskDim, 1);
        RegisterComponents();
    }

    private static Sequential ConvBlock(long d) =>
        nn.Sequential(nn.Conv2d(d, d, 3, padding: 1, bias: false), Layers.GroupNorm(Layers.Groups(d), d, 1e-5), nn.ReLU());

    /// <summary>Maps [B, Ci, Hi, Wi] -> (the coarsest level's FPN output [B, D, h, w], per-pixel embeddings [B, M, Hm, Wm]).</summary>
    public override (Tensor[] Levels, Tensor PixelEmbeddings) forward(IReadOnlyList<Tensor> features)
    {
        if (features.Count != laterals.Count)
            throw new ArgumentException($"PixelDecoder: built for {laterals.Count} feature levels, given {features.Count}.");
        using var scope = NewDisposeScope();
        int last = features.Count - 1;
        var y = outputs[last].forward(laterals[last].forward(features[last]));            // [B, D, h, w]
        var levels = new List<Tensor> { y };
        for (int i = last - 1; i >= 0; i--)
        {
            var lat = laterals[i].forward(features[i]);                                     // [B, D, Hi, Wi]
            var up = nn.functional.interpolate(y, new long[] { lat.shape[2], lat.shape[3] }, mode: InterpolationMode.Nearest);
            y = outputs[i].forward(up + lat);
            levels.Add(y);
        }
        if (context.Count > 0)
        {
            foreach (var block in context) y = y + block.forward(y);                        // residual: keeps the FPN signal
            levels[^1] = y;
        }
        foreach (var block in extra)
            y = block.forward(nn.functional.interpolate(y, scale_factor: new double[] { 2, 2 }, mode: InterpolationMode.Bilinear, align_corners: false));
        var pixel = mask_proj.forward(y);                                                   // [B, M, Hm, Wm]
        scope.MoveToOuter(levels.Append(pixel));
        return (levels.ToArray(), pixel);
    }
}
