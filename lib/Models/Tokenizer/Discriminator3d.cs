using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// Residual block of the 3D StyleGAN discriminator: conv3 -> leaky ReLU -> blur-pool -> conv3 -> leaky ReLU, with a
/// blur-pooled 1x1x1 skip; the sum is scaled by 1/sqrt(2). The official 3D file has no norm by default (norm_type None).
/// </summary>
public sealed class DiscriminatorBlock3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv1;
    private readonly Conv3d conv2;
    private readonly Conv3d skip;

    /// <summary>Creates a block from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public DiscriminatorBlock3d(long inChannels, long outChannels) : base(nameof(DiscriminatorBlock3d))
    {
        conv1 = Discriminator3d.XavierConv(inChannels, inChannels, 3, bias: true);
        conv2 = Discriminator3d.XavierConv(inChannels, outChannels, 3, bias: true);
        skip = Discriminator3d.XavierConv(inChannels, outChannels, 1, bias: false);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.leaky_relu(conv1.forward(x), 0.2);             // [B, C_in, T, H, W]
        h = BlurPool3d.Forward(h);                                           // [B, C_in, T/2, H/2, W/2]
        h = nn.functional.leaky_relu(conv2.forward(h), 0.2);                 // [B, C_out, T/2, H/2, W/2]
        var residual = skip.forward(BlurPool3d.Forward(x));                  // [B, C_out, T/2, H/2, W/2]
        return scope.MoveToOuter((h + residual) / Math.Sqrt(2));
    }
}

/// <summary>
/// 3D StyleGAN discriminator (<c>stylegan_discriminator_3d.StyleGANDiscriminator</c>): conv_in, one blur-pool residual
/// block per channel multiplier (2,4,4,4,4), conv, flatten, dense, dense to one logit per clip.
/// Xavier-uniform weights as in the official code.
/// </summary>
public sealed class Discriminator3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv_in;
    private readonly ModuleList<DiscriminatorBlock3d> blocks;
    private readonly Conv3d conv_out;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Builds a discriminator for clips of the size in <paramref name="clip"/>.</summary>
    public Discriminator3d(DiscriminatorConfig config, VqvaeConfig clip) : base(nameof(Discriminator3d))
    {
        conv_in = XavierConv(3, config.Filters, 3, bias: true);
        blocks = new ModuleList<DiscriminatorBlock3d>();
        long channels = config.Filters;
        long t = clip.Frames, h = clip.Height, w = clip.Width;
        foreach (int mult in config.Multipliers)
        {
            long outChannels = (long)config.Filters * mult;
            blocks.Add(new DiscriminatorBlock3d(channels, outChannels));
            channels = outChannels;
            t = (t + 1) / 2; h = (h + 1) / 2; w = (w + 1) / 2;
        }
        conv_out = XavierConv(channels, channels, 3, bias: true);
        fc1 = nn.Linear(channels * t * h * w, channels);
        fc2 = nn.Linear(channels, 1);
        foreach (var fc in new[] { fc1, fc2 })
            using (no_grad()) { nn.init.xavier_uniform_(fc.weight!); fc.bias!.zero_(); }
        RegisterComponents();
    }

    /// <summary>One logit per clip: [B, 3, T, H, W] -> [B, 1].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.leaky_relu(conv_in.forward(x), 0.2);           // [B, F, T, H, W]
        foreach (var block in blocks) h = block.forward(h);                  // [B, C, t, h, w]
        h = nn.functional.leaky_relu(conv_out.forward(h), 0.2);
        h = nn.functional.leaky_relu(fc1.forward(h.flatten(1)), 0.2);        // [B, C]
        return scope.MoveToOuter(fc2.forward(h));                            // [B, 1]
    }

    internal static Conv3d XavierConv(long inChannels, long outChannels, int kernel, bool bias)
    {
        var conv = nn.Conv3d(inChannels, outChannels, (kernel, kernel, kernel), stride: (1, 1, 1),
            padding: (kernel / 2, kernel / 2, kernel / 2), bias: bias);
        using (no_grad())
        {
            nn.init.xavier_uniform_(conv.weight!);
            conv.bias?.zero_();
        }
        return conv;
    }
}
