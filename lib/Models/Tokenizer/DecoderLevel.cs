using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// One resolution level of <see cref="Decoder3d"/>: its residual blocks (<c>decoder.levels.{i}.blocks.{j}</c>) and, above
/// level 0, the conv after nearest upsampling to level i - 1 (<c>decoder.levels.{i}.up</c>).
/// </summary>
public sealed class DecoderLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResBlock3d> blocks = new();
    private readonly Conv3d? up;
    private readonly bool _temporalUp;

    /// <summary>
    /// Builds the blocks, then the up conv when <paramref name="upsample"/>: the order the weights are drawn in, kept as
    /// before the levels existed so that a seed gives the same initial weights.
    /// </summary>
    /// <param name="inChannels">Channels coming from the level below (or from the middle blocks).</param>
    /// <param name="outChannels">This level's channels.</param>
    /// <param name="count">Residual blocks.</param>
    /// <param name="temporalKernel">3 for video, 1 for the image twin.</param>
    /// <param name="minGroupChannels">Fewest channels per GroupNorm group.</param>
    /// <param name="upsample">Whether the level ends with upsampling (every level but 0).</param>
    /// <param name="temporalUp">Whether that upsampling also doubles T.</param>
    public DecoderLevel(long inChannels, long outChannels, int count, int temporalKernel, int minGroupChannels, bool upsample, bool temporalUp)
        : base(nameof(DecoderLevel))
    {
        long channels = inChannels;
        for (int j = 0; j < count; j++)
        {
            blocks.Add(new ResBlock3d(channels, outChannels, temporalKernel, minGroupChannels));
            channels = outChannels;
        }
        if (upsample) up = Layers.Conv3(channels, channels, temporalKernel, bias: true);
        _temporalUp = temporalUp;
        OutChannels = channels;
        RegisterComponents();
    }

    /// <summary>Channels this level hands on (its input channels when it has no blocks).</summary>
    public long OutChannels { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var block in blocks) h = block.forward(h);                 // [B, C_out, T, H, W]
        if (up is not null) h = up.forward(Decoder3d.Upsample(h, _temporalUp)); // [B, C_out, T*2?, 2H, 2W]
        return scope.MoveToOuter(h);
    }
}
