using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// One resolution level of <see cref="Encoder3d"/>: its residual blocks (state keys <c>encoder.levels.{i}.blocks.{j}</c>).
/// The average-pool downsampling after it has no weights, so it has no state key; <see cref="Encoder3d"/> applies it.
/// </summary>
public sealed class EncoderLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResBlock3d> blocks = new();

    /// <summary>Builds <paramref name="count"/> blocks from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public EncoderLevel(long inChannels, long outChannels, int count, int temporalKernel, int minGroupChannels) : base(nameof(EncoderLevel))
    {
        long channels = inChannels;
        for (int j = 0; j < count; j++)
        {
            blocks.Add(new ResBlock3d(channels, outChannels, temporalKernel, minGroupChannels));
            channels = outChannels;
        }
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
        return scope.MoveToOuter(h);
    }
}
