using MagvitSeg.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models;

/// <summary>
/// MAGVIT's 3D residual block (enc_dec_3dcnn.py): GroupNorm -> swish -> Conv3x3x3 -> GroupNorm -> swish -> Conv3x3x3,
/// plus a 1x1x1 projection on the skip when the channel count changes. Convs have no bias; padding is zero SAME.
/// </summary>
public sealed class ResBlock3d : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1, norm2;
    private readonly Conv3d conv1, conv2;
    private readonly Conv3d? shortcut;

    /// <summary>A block from <paramref name="inCh"/> to <paramref name="outCh"/> channels.</summary>
    public ResBlock3d(long inCh, long outCh) : base(nameof(ResBlock3d))
    {
        norm1 = Layers.GroupNorm(Layers.Groups(inCh), inCh);
        conv1 = nn.Conv3d(inCh, outCh, 3, padding: 1, bias: false);
        norm2 = Layers.GroupNorm(Layers.Groups(outCh), outCh);
        conv2 = nn.Conv3d(outCh, outCh, 3, padding: 1, bias: false);
        if (inCh != outCh) shortcut = nn.Conv3d(inCh, outCh, 1, bias: false);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(nn.functional.silu(norm1.forward(x)));   // [B, C', T, H, W]
        h = conv2.forward(nn.functional.silu(norm2.forward(h)));
        var skip = shortcut is null ? x : shortcut.forward(x);
        return scope.MoveToOuter(h + skip);
    }
}

/// <summary>
/// MAGVIT's 3D-CNN encoder: Conv3x3x3 stem, per level residual blocks then (but after the last level) average-pool
/// downsampling by (2,2,2) or (1,2,2), two more blocks, GroupNorm, swish, 1x1x1 conv to the embedding dimension.
/// <see cref="ForwardFeatures"/> also returns each level's output before its pooling (a feature pyramid).
/// </summary>
public sealed class Encoder3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv_in;
    private readonly ModuleList<ModuleList<ResBlock3d>> levels;
    private readonly ModuleList<ResBlock3d> mid;
    private readonly GroupNorm norm_out;
    private readonly Conv3d conv_out;
    private readonly bool[] _temporal;

    /// <summary>Channels of each level's feature map (what <see cref="ForwardFeatures"/> returns before the latent).</summary>
    public long[] LevelChannels { get; }

    /// <summary>An encoder shaped by <paramref name="c"/>.</summary>
    public Encoder3d(TokenizerConfig c) : base(nameof(Encoder3d))
    {
        conv_in = nn.Conv3d(3, c.Filters, 3, padding: 1, bias: false);
        levels = new ModuleList<ModuleList<ResBlock3d>>();
        long ch = c.Filters;
        LevelChannels = new long[c.ChannelMultipliers.Length];
        for (int i = 0; i < c.ChannelMultipliers.Length; i++)
        {
            long outCh = (long)c.Filters * c.ChannelMultipliers[i];
            var blocks = new ModuleList<ResBlock3d>();
            for (int r = 0; r < c.ResBlocks; r++) { blocks.Add(new ResBlock3d(ch, outCh)); ch = outCh; }
            levels.Add(blocks);
            LevelChannels[i] = outCh;
        }
        mid = new ModuleList<ResBlock3d>();
        for (int r = 0; r < c.ResBlocks; r++) mid.Add(new ResBlock3d(ch, ch));
        norm_out = Layers.GroupNorm(Layers.Groups(ch), ch);
        conv_out = nn.Conv3d(ch, c.EmbeddingDim, 1);
        _temporal = c.TemporalDownsample;
        RegisterComponents();
    }

    /// <summary>Clip [B, 3, T, H, W] in [-1, 1] -> pre-quantisation latents [B, D, T/ft, H/fs, W/fs].</summary>
    public override Tensor forward(Tensor x)
    {
        var (levelsOut, latent) = ForwardFeatures(x, keepLevels: false);
        return latent;
    }

    /// <summary>The latents and, when <paramref name="keepLevels"/>, each level's features before pooling (finest first).</summary>
    public (Tensor[] Levels, Tensor Latent) ForwardFeatures(Tensor x, bool keepLevels = true)
    {
        using var scope = NewDisposeScope();
        var feats = new List<Tensor>();
        var h = conv_in.forward(x);                                               // [B, F, T, H, W]
        for (int i = 0; i < levels.Count; i++)
        {
            foreach (var block in levels[i]) h = block.forward(h);
            if (keepLevels) feats.Add(h);
            if (i < levels.Count - 1)
            {
                long ts = _temporal[i] && h.shape[2] > 1 ? 2 : 1;                 // a single frame is not pooled in time
                h = nn.functional.avg_pool3d(h, new long[] { ts, 2, 2 }, new long[] { ts, 2, 2 });
            }
        }
        foreach (var block in mid) h = block.forward(h);
        var z = conv_out.forward(nn.functional.silu(norm_out.forward(h)));           // [B, D, T', H', W']
        scope.MoveToOuter(z);
        foreach (var f in feats) scope.MoveToOuter(f);
        return (feats.ToArray(), z);
    }
}

/// <summary>
/// The mirror-image decoder: Conv3x3x3 from the embedding, residual blocks, then per level (reversed) residual blocks
/// and nearest-neighbour upsampling + Conv3x3x3 where the encoder pooled, GroupNorm, swish, Conv3x3x3 to RGB.
/// </summary>
public sealed class Decoder3d : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv_in;
    private readonly ModuleList<ResBlock3d> mid;
    private readonly ModuleList<ModuleList<ResBlock3d>> levels;
    private readonly ModuleList<Conv3d> upsample_convs;
    private readonly GroupNorm norm_out;
    private readonly Conv3d conv_out;
    private readonly bool[] _temporal;

    /// <summary>A decoder shaped by <paramref name="c"/>.</summary>
    public Decoder3d(TokenizerConfig c) : base(nameof(Decoder3d))
    {
        int L = c.ChannelMultipliers.Length;
        long ch = (long)c.Filters * c.ChannelMultipliers[^1];
        conv_in = nn.Conv3d(c.EmbeddingDim, ch, 3, padding: 1);
        mid = new ModuleList<ResBlock3d>();
        for (int r = 0; r < c.ResBlocks; r++) mid.Add(new ResBlock3d(ch, ch));
        levels = new ModuleList<ModuleList<ResBlock3d>>();
        upsample_convs = new ModuleList<Conv3d>();
        for (int i = L - 1; i >= 0; i--)
        {
            long outCh = (long)c.Filters * c.ChannelMultipliers[i];
            var blocks = new ModuleList<ResBlock3d>();
            for (int r = 0; r < c.ResBlocks; r++) { blocks.Add(new ResBlock3d(ch, outCh)); ch = outCh; }
            levels.Add(blocks);
            if (i > 0) upsample_convs.Add(nn.Conv3d(ch, ch, 3, padding: 1));
        }
        norm_out = Layers.GroupNorm(Layers.Groups(ch), ch);
        conv_out = nn.Conv3d(ch, 3, 3, padding: 1);
        _temporal = c.TemporalDownsample;
        RegisterComponents();
    }

    /// <summary>Latents [B, D, T', H', W'] -> clip [B, 3, T, H, W] (unbounded; trained towards [-1, 1]).</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.forward(z);
        foreach (var block in mid) h = block.forward(h);
        int L = levels.Count;
        for (int j = 0; j < L; j++)
        {
            int i = L - 1 - j;                                                    // the encoder level this mirrors
            foreach (var block in levels[j]) h = block.forward(h);
            if (i > 0)
            {
                double ts = _temporal[i - 1] ? 2 : 1;
                h = nn.functional.interpolate(h, scale_factor: new[] { ts, 2.0, 2.0 }, mode: InterpolationMode.Nearest);
                h = upsample_convs[j].forward(h);
            }
        }
        return scope.MoveToOuter(conv_out.forward(nn.functional.silu(norm_out.forward(h))));
    }
}

/// <summary>The encoder's outputs for one clip batch.</summary>
public sealed record EncodeOutput(Tensor PreQuant, Tensor Quantized, Tensor Indices, Tensor[] Levels) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose() { PreQuant.Dispose(); Quantized.Dispose(); Indices.Dispose(); foreach (var l in Levels) l.Dispose(); }
}

/// <summary>MAGVIT's 3D-VQ tokenizer: Encoder3d -> VectorQuantizer -> Decoder3d.</summary>
public sealed class Magvit3dVqvae : nn.Module<Tensor, Tensor>
{
    private readonly Encoder3d encoder;
    private readonly VectorQuantizer quantizer;
    private readonly Decoder3d decoder;

    /// <summary>The configuration.</summary>
    public TokenizerConfig Config { get; }
    /// <summary>The encoder.</summary>
    public Encoder3d Encoder => encoder;
    /// <summary>The quantiser.</summary>
    public VectorQuantizer Quantizer => quantizer;
    /// <summary>The decoder.</summary>
    public Decoder3d Decoder => decoder;

    /// <summary>A randomly initialised tokenizer (seed torch first for repeatable weights).</summary>
    public Magvit3dVqvae(TokenizerConfig config) : base(nameof(Magvit3dVqvae))
    {
        Config = config;
        encoder = new Encoder3d(config);
        quantizer = new VectorQuantizer(config.CodebookSize, config.EmbeddingDim, config.EntropyWeight > 0, config.EntropyTemperature);
        decoder = new Decoder3d(config);
        RegisterComponents();
    }

    /// <summary>Reconstruction of a clip (through the quantiser).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var vq = quantizer.forward(encoder.forward(x));
        return scope.MoveToOuter(decoder.forward(vq.Quantized));
    }

    /// <summary>Pre-quantisation latents, quantised latents, code indices and (optionally) the encoder's level features.</summary>
    public EncodeOutput Encode(Tensor x, bool keepLevels = false)
    {
        using var scope = NewDisposeScope();
        var (lv, z) = encoder.ForwardFeatures(x, keepLevels);
        var vq = quantizer.forward(z);
        var res = new EncodeOutput(z, vq.Quantized, vq.Indices, lv);
        scope.MoveToOuter(res.PreQuant, res.Quantized, res.Indices);
        foreach (var l in res.Levels) scope.MoveToOuter(l);
        return res;
    }

    /// <summary>Reconstruction, VQ output and the latents, for training.</summary>
    public (Tensor Reconstruction, VqOutput Vq, Tensor Latent) ForwardTrain(Tensor x)
    {
        var z = encoder.forward(x);
        var vq = quantizer.forward(z);
        return (decoder.forward(vq.Quantized), vq, z);
    }

    /// <summary>
    /// One throw-away forward/backward at the training shape, gradients discarded. libtorch 2.10's CPU kernels return
    /// NaN gradients on the decoder's first backward in a process now and then (not reproducible op by op; later
    /// backwards are exact and repeatable), so trainers call this before their first real step.
    /// </summary>
    public void WarmUp(long batch, Device device)
    {
        using var scope = NewDisposeScope();
        var x = zeros(new long[] { batch, 3, Config.Frames, Config.Size, Config.Size }, device: device);
        var (rec, vq, _) = ForwardTrain(x);
        (rec.square().mean() + vq.CodebookLoss + vq.CommitmentLoss).backward();
        vq.Dispose();
        foreach (var p in parameters()) p.grad = null;
    }

    /// <summary>Number of parameters (all, or only those of the encoder+quantiser+decoder, which is all of them here).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// Central 2D-to-3D inflation (the paper's initialisation): copies the weights of a tokenizer trained on single
    /// frames (T = 1, which only ever uses the temporal centre of each 3x3x3 kernel) into this one, with each 3D
    /// kernel holding the 2D kernel at its temporal centre and zeros elsewhere. Shapes must match apart from time.
    /// </summary>
    public void InflateFrom(Magvit3dVqvae image)
    {
        using var _ = no_grad();
        var src = image.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in named_parameters())
        {
            if (!src.TryGetValue(name, out var s) || !s.shape.SequenceEqual(p.shape))
                throw new ArgumentException($"cannot inflate: parameter '{name}' differs between the image and the video tokenizer.");
            if (p.dim() == 5 && p.shape[2] == 3)
            {
                p.zero_();
                p[.., .., 1].copy_(s[.., .., 1]);
            }
            else p.copy_(s);
        }
    }
}
