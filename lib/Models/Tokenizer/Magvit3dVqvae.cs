using MagvitSeg.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>What <see cref="Magvit3dVqvae.Encode"/> returns.</summary>
/// <param name="Latent">Pre-quantisation latent [B, D, T', H', W'].</param>
/// <param name="Quantizer">Quantised latents, indices, VQ losses and perplexity.</param>
public sealed record VqEncoding(Tensor Latent, QuantizerOutput Quantizer)
{
    /// <summary>Straight-through quantised latents [B, D, T', H', W'].</summary>
    public Tensor Quantized => Quantizer.Quantized;

    /// <summary>Token indices [B, T', H', W'].</summary>
    public Tensor Indices => Quantizer.Indices;
}

/// <summary>
/// The MAGVIT 3D-VQVAE tokenizer (<c>vqvae.VQVAE</c> with the 3dcnn architecture): encoder, vector quantiser, decoder.
/// Clips are [B, 3, T, H, W] in [-1, 1].
/// </summary>
public sealed class Magvit3dVqvae : nn.Module<Tensor, Tensor>
{
    private readonly Encoder3d encoder;
    private readonly VectorQuantizer quantizer;
    private readonly Decoder3d decoder;

    /// <summary>Builds the model for <paramref name="config"/> on the CPU; call <c>.to(device)</c> afterwards.</summary>
    public Magvit3dVqvae(VqvaeConfig config) : base(nameof(Magvit3dVqvae))
    {
        Config = config;
        encoder = new Encoder3d(config);
        quantizer = new VectorQuantizer(config);
        decoder = new Decoder3d(config);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public VqvaeConfig Config { get; }

    /// <summary>The encoder (freeze it with <see cref="FreezeEncoder"/> for downstream heads).</summary>
    public Encoder3d Encoder => encoder;

    /// <summary>The quantiser.</summary>
    public VectorQuantizer Quantizer => quantizer;

    /// <summary>The decoder.</summary>
    public Decoder3d Decoder => decoder;

    /// <summary>Encodes and quantises a clip [B, 3, T, H, W].</summary>
    public VqEncoding Encode(Tensor clip)
    {
        using var scope = NewDisposeScope();
        var latent = encoder.forward(clip);                                  // [B, D, T', H', W']
        var q = quantizer.Forward(latent);
        scope.MoveToOuter(latent, q.Quantized, q.Indices, q.Loss, q.CodebookLoss, q.CommitmentLoss, q.EntropyLoss, q.Perplexity);
        return new VqEncoding(latent, q);
    }

    /// <summary>Decodes quantised latents [B, D, T', H', W'] to a clip [B, 3, T, H, W].</summary>
    public Tensor Decode(Tensor quantized) => decoder.forward(quantized);

    /// <summary>Decodes token indices [B, T', H', W'] to a clip.</summary>
    public Tensor DecodeIndices(Tensor indices)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(decoder.forward(quantizer.Embed(indices)));
    }

    /// <summary>Reconstructs a clip (encode, quantise, decode).</summary>
    public override Tensor forward(Tensor clip)
    {
        using var scope = NewDisposeScope();
        var enc = Encode(clip);
        return scope.MoveToOuter(Decode(enc.Quantized));
    }

    /// <summary>Stops gradients into the encoder (and codebook) and puts them in eval mode; the decoder is untouched.</summary>
    public void FreezeEncoder()
    {
        foreach (var p in encoder.parameters()) p.requires_grad = false;
        foreach (var p in quantizer.parameters()) p.requires_grad = false;
        encoder.eval();
        quantizer.eval();
    }

    /// <summary>Loads either key layout (<see cref="TokenizerStateLoader"/>): files written before the levels keep loading.</summary>
    public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        TokenizerStateLoader.Load(this, "", Config, reader, strict, skip, loadedParameters);
        return this;
    }

    /// <summary>Number of trainable-or-not parameters (elements), buffers excluded.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
