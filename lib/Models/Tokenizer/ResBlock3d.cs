using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// MAGVIT residual block: GroupNorm -> swish -> conv3 -> GroupNorm -> swish -> conv3, plus a 1x1x1 skip conv when the
/// channel count changes (<c>use_conv_shortcut = False</c> in the official code). Convs have no bias.
/// </summary>
public sealed class ResBlock3d : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv3d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv3d conv2;
    private readonly Conv3d? skip;

    /// <summary>Creates a block from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="temporalKernel">3 for video, 1 for the image twin.</param>
    /// <param name="minGroupChannels">Fewest channels per GroupNorm group (<see cref="Config.VqvaeConfig.MinGroupChannels"/>).</param>
    public ResBlock3d(long inChannels, long outChannels, int temporalKernel = 3, int minGroupChannels = 1) : base(nameof(ResBlock3d))
    {
        norm1 = Layers.GroupNorm(Layers.Groups(inChannels, minChannelsPerGroup: minGroupChannels), inChannels);
        conv1 = Layers.Conv3(inChannels, outChannels, temporalKernel, bias: false);
        norm2 = Layers.GroupNorm(Layers.Groups(outChannels, minChannelsPerGroup: minGroupChannels), outChannels);
        conv2 = Layers.Conv3(outChannels, outChannels, temporalKernel, bias: false);
        if (inChannels != outChannels) skip = Layers.Conv1(inChannels, outChannels, bias: false);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(nn.functional.silu(norm1.forward(x)));   // [B, C_out, T, H, W]
        h = conv2.forward(nn.functional.silu(norm2.forward(h)));       // [B, C_out, T, H, W]
        var residual = skip is null ? x : skip.forward(x);               // [B, C_out, T, H, W]
        return scope.MoveToOuter(h + residual);
    }
}
