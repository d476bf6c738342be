using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>The encoder's pyramid: each level's output before its pooling, and the pre-quantisation latent.</summary>
/// <param name="Levels">One tensor per level, [B, Filters*mult[i], T_i, H_i, W_i]; level 0 is full resolution.</param>
/// <param name="Latent">Pre-quantisation latent [B, EmbeddingDim, T', H', W'].</param>
public sealed record EncoderFeatures(IReadOnlyList<Tensor> Levels, Tensor Latent);

/// <summary>
/// MAGVIT 3D-CNN encoder (<c>enc_dec_3dcnn.Encoder</c>): conv_in, per level NumResBlocks ResBlocks then average-pool
/// downsampling (all levels but the last), NumResBlocks more ResBlocks, GroupNorm, swish, 1x1x1 conv to the embedding.
/// State keys name the level (<c>levels.{i}.blocks.{j}</c>); files from before the levels (<c>res.{k}</c>) load through
/// <see cref="TokenizerStateKeys"/>.
/// </summary>
public sealed class Encoder3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv_in;
    private readonly ModuleList<EncoderLevel> levels;
    private readonly ModuleList<ResBlock3d> mid;
    private readonly GroupNorm norm_out;
    private readonly Conv3d conv_out;
    private readonly VqvaeConfig _config;

    /// <summary>Builds the encoder for <paramref name="config"/>.</summary>
    public Encoder3d(VqvaeConfig config) : base(nameof(Encoder3d))
    {
        config.Validate();
        _config = config;
        int kt = config.TemporalKernel;
        conv_in = Layers.Conv3(3, config.Filters, kt, bias: false);
        levels = new ModuleList<EncoderLevel>();
        long channels = config.Filters;
        foreach (int mult in config.Multipliers)
        {
            var level = new EncoderLevel(channels, (long)config.Filters * mult, config.NumResBlocks, kt, config.MinGroupChannels);
            levels.Add(level);
            channels = level.OutChannels;
        }
        mid = new ModuleList<ResBlock3d>();
        for (int j = 0; j < config.NumResBlocks; j++) mid.Add(new ResBlock3d(channels, channels, kt, config.MinGroupChannels));
        norm_out = Layers.GroupNorm(Layers.Groups(channels, minChannelsPerGroup: config.MinGroupChannels), channels);
        conv_out = Layers.Conv1(channels, config.EmbeddingDim, bias: true);
        RegisterComponents();
    }

    /// <summary>Channels of each pyramid level.</summary>
    public IReadOnlyList<long> LevelChannels => _config.Multipliers.Select(m => (long)_config.Filters * m).ToArray();

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var f = ForwardFeatures(x);
        return scope.MoveToOuter(f.Latent);
    }

    /// <summary>Runs the encoder and keeps each level's output before pooling (a feature pyramid) and the latent.</summary>
    /// <param name="x">Clip [B, 3, T, H, W] in [-1, 1].</param>
    public EncoderFeatures ForwardFeatures(Tensor x)
    {
        CheckInput(x);
        using var scope = NewDisposeScope();
        var pyramid = new List<Tensor>();
        var h = conv_in.forward(x);                                          // [B, F, T, H, W]
        for (int i = 0; i < levels.Count; i++)
        {
            h = levels[i].forward(h);
            pyramid.Add(h);                                                  // [B, F*mult[i], T_i, H_i, W_i]
            if (i < levels.Count - 1) h = Downsample(h, _config.TimeDown[i]);
        }
        foreach (var block in mid) h = block.forward(h);
        h = conv_out.forward(nn.functional.silu(norm_out.forward(h)));       // [B, D, T', H', W']
        scope.MoveToOuter(pyramid.Append(h).ToArray());
        return new EncoderFeatures(pyramid, h);
    }

    /// <summary>Loads either key layout (<see cref="TokenizerStateLoader"/>): files written before the levels keep loading.</summary>
    public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        TokenizerStateLoader.Load(this, "encoder", _config, reader, strict, skip, loadedParameters);
        return this;
    }

    /// <summary>Average pooling by 2 in H and W, and in T when <paramref name="temporal"/>.</summary>
    internal static Tensor Downsample(Tensor x, bool temporal)
    {
        long kt = temporal ? 2 : 1;
        return nn.functional.avg_pool3d(x, new long[] { kt, 2, 2 }, new long[] { kt, 2, 2 });
    }

    private void CheckInput(Tensor x)
    {
        if (x.dim() != 5 || x.shape[1] != 3)
            throw new ArgumentException($"Encoder3d expects a clip [B, 3, T, H, W]; got [{string.Join(", ", x.shape)}].");
        long t = x.shape[2], h = x.shape[3], w = x.shape[4];
        if (t % _config.TemporalFactor != 0 || h % _config.SpatialFactor != 0 || w % _config.SpatialFactor != 0)
            throw new ArgumentException($"Encoder3d: clip {t}x{h}x{w} is not divisible by the compression {_config.TemporalFactor}x{_config.SpatialFactor}x{_config.SpatialFactor}.");
    }
}
