using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// MAGVIT 3D-CNN decoder (<c>enc_dec_3dcnn.Decoder</c>): conv_in (bias) from the embedding, NumResBlocks ResBlocks,
/// then per level from the deepest: NumResBlocks ResBlocks and (except at level 0) nearest upsampling + conv (bias);
/// GroupNorm, swish, conv to RGB (bias). State keys name the level (<c>levels.{i}.blocks.{j}</c>, <c>levels.{i}.up</c>,
/// level 0 at full resolution); files from before the levels (<c>res.{k}</c>, <c>up.{u}</c>, counted from the deepest
/// level) load through <see cref="TokenizerStateKeys"/>.
/// </summary>
public sealed class Decoder3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv_in;
    private readonly ModuleList<ResBlock3d> mid;
    private readonly ModuleList<DecoderLevel> levels;
    private readonly GroupNorm norm_out;
    private readonly Conv3d conv_out;
    private readonly VqvaeConfig _config;

    /// <summary>Builds the decoder for <paramref name="config"/>.</summary>
    public Decoder3d(VqvaeConfig config) : base(nameof(Decoder3d))
    {
        config.Validate();
        _config = config;
        int kt = config.TemporalKernel;
        var mults = config.Multipliers;
        long channels = (long)config.Filters * mults[^1];
        conv_in = Layers.Conv3(config.EmbeddingDim, channels, kt, bias: true);
        mid = new ModuleList<ResBlock3d>();
        for (int j = 0; j < config.NumResBlocks; j++) mid.Add(new ResBlock3d(channels, channels, kt, config.MinGroupChannels));
        // Built from the deepest level up, the order the forward pass runs them and the order the weights were drawn in
        // before the levels existed (same seed, same initial weights); listed by level index.
        var built = new DecoderLevel[mults.Length];
        for (int i = mults.Length - 1; i >= 0; i--)
        {
            built[i] = new DecoderLevel(channels, (long)config.Filters * mults[i], config.NumResBlocks, kt, config.MinGroupChannels,
                upsample: i > 0, temporalUp: i > 0 && config.TimeDown[i - 1]);
            channels = built[i].OutChannels;
        }
        levels = new ModuleList<DecoderLevel>(built);
        norm_out = Layers.GroupNorm(Layers.Groups(channels, minChannelsPerGroup: config.MinGroupChannels), channels);
        conv_out = Layers.Conv3(channels, 3, kt, bias: true);
        RegisterComponents();
    }

    /// <summary>Decodes quantised latents [B, D, T', H', W'] to a clip [B, 3, T, H, W].</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.forward(z);                                          // [B, F*mult[-1], T', H', W']
        foreach (var block in mid) h = block.forward(h);
        for (int i = levels.Count - 1; i >= 0; i--) h = levels[i].forward(h);  // level i > 0 ends at level i - 1's size
        h = conv_out.forward(nn.functional.silu(norm_out.forward(h)));       // [B, 3, T, H, W]
        return scope.MoveToOuter(h);
    }

    /// <summary>Loads either key layout (<see cref="TokenizerStateLoader"/>): files written before the levels keep loading.</summary>
    public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        TokenizerStateLoader.Load(this, "decoder", _config, reader, strict, skip, loadedParameters);
        return this;
    }

    /// <summary>Nearest-neighbour upsampling by 2 in H and W, and in T when <paramref name="temporal"/>.</summary>
    /// <remarks>
    /// Built from expand + reshape (whose backward is a plain sum): repeat_interleave's backward gave NaN input
    /// gradients now and then with TorchSharp 0.107 / libtorch 2.10 on CPU.
    /// </remarks>
    internal static Tensor Upsample(Tensor x, bool temporal)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], t = x.shape[2], h = x.shape[3], w = x.shape[4];
        long kt = temporal ? 2 : 1;
        var y = x.view(b, c, t, 1, h, 1, w, 1)
            .expand(b, c, t, kt, h, 2, w, 2)
            .reshape(b, c, t * kt, h * 2, w * 2);                             // [B, C, T*kt, 2H, 2W]
        return scope.MoveToOuter(y);
    }
}
