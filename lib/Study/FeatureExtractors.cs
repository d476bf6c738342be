using MagvitSeg.Config;
using MagvitSeg.Masking;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>
/// Turns still images [B, 3, S, S] in [-1, 1] into the head's feature maps [B, Ci, Hi, Wi] (finest first). The three
/// strings identify the features for the <see cref="FeatureCache"/>: a change in any of them is a different feature set.
/// </summary>
public interface IFeatureExtractor
{
    /// <summary>Identity of the encoder (checkpoint hash, random seed, or the pixel grids).</summary>
    string Identity { get; }

    /// <summary>How a still image becomes the encoder's input.</summary>
    string Conditioning { get; }

    /// <summary>Which outputs become features.</summary>
    string Selection { get; }

    /// <summary>Features of a batch of images. Gradients flow when called outside <c>no_grad</c> (fine-tuning).</summary>
    List<Tensor> Extract(Tensor images);
}

/// <summary>
/// A MAGVIT encoder read out on still images: the image becomes a frame-prediction condition clip
/// (<see cref="StillImageConditioner"/>), the encoder runs keeping its level outputs, and
/// <see cref="FeatureSelector"/> picks the maps.
/// </summary>
public sealed class EncoderFeatureExtractor : IFeatureExtractor
{
    private readonly Magvit3dVqvae _model;
    private readonly ConditionConfig _condition;
    private readonly FeatureSelection _selection;

    /// <param name="model">The tokenizer whose encoder (and codebook, for quantised features) is read.</param>
    /// <param name="identity">What the model is, for the cache key (e.g. "video:sha256=...", "random:seed=0").</param>
    /// <param name="condition">The conditioning; its TemporalCompression is set to the model's.</param>
    /// <param name="selection">What to read.</param>
    public EncoderFeatureExtractor(Magvit3dVqvae model, string identity, ConditionConfig condition, FeatureSelection selection)
    {
        _model = model;
        _condition = condition with { TemporalCompression = model.Config.TemporalFactor };
        _selection = selection;
        Identity = identity;
    }

    /// <inheritdoc/>
    public string Identity { get; }

    /// <inheritdoc/>
    public string Conditioning => _condition.Describe();

    /// <inheritdoc/>
    public string Selection => _selection.Describe();

    /// <summary>The conditioning in use.</summary>
    public ConditionConfig Condition => _condition;

    /// <inheritdoc/>
    public List<Tensor> Extract(Tensor images)
    {
        using var scope = NewDisposeScope();
        var clip = StillImageConditioner.FromImage(images, _condition).Video;             // [B, 3, T, S, S]
        var features = _model.Encoder.ForwardFeatures(clip);
        var quantised = _selection.Source == LatentSource.Quantised ? _model.Quantizer.Forward(features.Latent).Quantized : null;
        var maps = FeatureSelector.Select(_selection, features.Latent, quantised, features.Levels);
        if (_selection.WithPixels)
            maps = maps.Select(m => cat(new[] { m, PixelFeatureExtractor.SpaceToDepth(images, (int)(images.shape[2] / m.shape[2])) }, 1)).ToList();
        scope.MoveToOuter(maps);
        return maps;
    }
}

/// <summary>
/// The no-encoder baseline: pixels patchified (space-to-depth) to the same grids the encoder's selected maps have,
/// so the head gets the same spatial layout with 3·f² raw values per cell instead of learned features.
/// </summary>
public sealed class PixelFeatureExtractor : IFeatureExtractor
{
    private readonly int[] _factors;

    /// <param name="factors">Downsampling factor of each map, finest first (e.g. 4 and 8 for a 1/4 level and a 1/8 latent).</param>
    public PixelFeatureExtractor(IReadOnlyList<int> factors)
    {
        if (factors.Count == 0 || factors.Any(f => f < 1))
            throw new ArgumentException($"PixelFeatureExtractor: factors must be positive, got [{string.Join(", ", factors)}].");
        _factors = factors.ToArray();
    }

    /// <summary>The factors matching an encoder's selection: level i is at 1/2^i, the latent at 1/SpatialFactor.</summary>
    public static PixelFeatureExtractor Matching(Config.VqvaeConfig config, FeatureSelection selection) =>
        new((selection.Levels ?? Array.Empty<int>()).Select(i => 1 << i).OrderBy(f => f).Append(config.SpatialFactor).ToArray());

    /// <inheritdoc/>
    public string Identity => "pixels:patch=" + string.Join("_", _factors);

    /// <inheritdoc/>
    public string Conditioning => "none";

    /// <inheritdoc/>
    public string Selection => "space-to-depth";

    /// <inheritdoc/>
    public List<Tensor> Extract(Tensor images) => _factors.Select(f => SpaceToDepth(images, f)).ToList();

    /// <summary>[B, C, H, W] -> [B, C·f², H/f, W/f]: channel c·f² + dy·f + dx of cell (Y, X) is pixel (Y·f + dy, X·f + dx).</summary>
    public static Tensor SpaceToDepth(Tensor images, int f)
    {
        long b = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (f < 1 || h % f != 0 || w % f != 0)
            throw new ArgumentException($"PixelFeatureExtractor: image {h}x{w} is not divisible by the patch size {f}.");
        using var scope = NewDisposeScope();
        var maps = images.reshape(b, c, h / f, f, w / f, f).permute(0, 1, 3, 5, 2, 4).reshape(b, c * f * f, h / f, w / f);
        return scope.MoveToOuter(maps.contiguous());
    }
}
