using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Probes;

/// <summary>The capacity of a dense (per-location) probe.</summary>
public enum DenseProbeKind
{
    /// <summary>One linear map per location (DINOv2's linear segmentation protocol).</summary>
    Linear,
    /// <summary>Two 1x1 layers with a GELU between them: a small non-linear probe.</summary>
    Mlp,
}

/// <summary>
/// A semantic-segmentation probe on frozen feature maps: every level is up-sampled bilinearly to the finest grid, the
/// maps are concatenated, standardised per channel with fixed statistics of the training features (an affine map, so the
/// linear probe stays linear; it only spares the optimiser the very different scales of pixels and encoder activations),
/// and mapped per location to K+1 logits (background first). <see cref="Linear"/> is one 1x1 convolution;
/// <see cref="DenseProbeKind.Mlp"/> is 1x1 -> GELU -> 1x1 with <c>hidden</c> channels.
/// </summary>
public sealed class DenseProbe : nn.Module<IReadOnlyList<Tensor>, Tensor>
{
    private readonly Tensor mean;      // [1, C, 1, 1], buffer
    private readonly Tensor inv_std;   // [1, C, 1, 1], buffer
    private readonly Sequential net;

    /// <summary>What the probe is.</summary>
    public DenseProbeKind Kind { get; }

    /// <summary>Output logits per location: K categories + background.</summary>
    public int Classes { get; }

    /// <param name="kind">Linear or MLP.</param>
    /// <param name="channelMean">Per-channel mean of the concatenated training features.</param>
    /// <param name="channelStd">Per-channel standard deviation (clamped away from 0 by the caller or here).</param>
    /// <param name="numClasses">K (the background logit is added).</param>
    /// <param name="hidden">Hidden width of the MLP probe.</param>
    public DenseProbe(DenseProbeKind kind, float[] channelMean, float[] channelStd, int numClasses, int hidden = 256)
        : base(kind == DenseProbeKind.Linear ? "LinearProbe" : "MlpProbe")
    {
        if (channelMean.Length != channelStd.Length || channelMean.Length == 0)
            throw new ArgumentException($"DenseProbe: {channelMean.Length} channel means for {channelStd.Length} deviations.");
        Kind = kind;
        Classes = numClasses + 1;
        long c = channelMean.Length;
        mean = tensor(channelMean).reshape(1, c, 1, 1);
        inv_std = (1f / tensor(channelStd).clamp_min(1e-6f)).reshape(1, c, 1, 1);
        net = kind == DenseProbeKind.Linear
            ? nn.Sequential(("linear", nn.Conv2d(c, Classes, 1)))
            : nn.Sequential(("fc1", nn.Conv2d(c, hidden, 1)), ("gelu", nn.GELU()), ("fc2", nn.Conv2d(hidden, Classes, 1)));
        RegisterComponents();
    }

    /// <summary>Feature channels read (the sum over levels).</summary>
    public long Channels => mean.shape[1];

    /// <summary>Logits [B, K+1, h, w] on the finest grid of <paramref name="levels"/> (maps [B, Ci, hi, wi]).</summary>
    public override Tensor forward(IReadOnlyList<Tensor> levels)
    {
        using var scope = NewDisposeScope();
        var x = Concatenate(levels);
        return net.forward((x - mean) * inv_std).MoveToOuterDisposeScope();
    }

    /// <summary>The levels up-sampled bilinearly to the finest of their grids and concatenated along channels.</summary>
    public static Tensor Concatenate(IReadOnlyList<Tensor> levels)
    {
        if (levels.Count == 0) throw new ArgumentException("DenseProbe: no feature levels.");
        var finest = levels.MaxBy(l => l.shape[2] * l.shape[3])!;
        var size = new[] { finest.shape[2], finest.shape[3] };
        var maps = levels.Select(l => l.shape[2] == size[0] && l.shape[3] == size[1]
            ? l.to(float32)
            : nn.functional.interpolate(l.to(float32), size, mode: InterpolationMode.Bilinear, align_corners: false)).ToList();
        return maps.Count == 1 ? maps[0] : cat(maps, 1);
    }

    /// <summary>
    /// Per-channel mean and standard deviation of the concatenated features over the rows <paramref name="rows"/>, each level
    /// on its own grid (bilinear up-sampling keeps a map's mean, and its spread up to the interpolation's smoothing).
    /// </summary>
    public static (float[] Mean, float[] Std) ChannelStatistics(IReadOnlyList<Tensor> levels, long[] rows)
    {
        using var scope = NewDisposeScope();
        using var index = tensor(rows);
        var means = new List<float>(); var stds = new List<float>();
        foreach (var l in levels)
        {
            var x = l.index_select(0, index).to(float64).transpose(0, 1).flatten(1);   // [C, n*h*w]
            means.AddRange(x.mean(new long[] { 1 }).to(float32).data<float>().ToArray());
            stds.AddRange(x.std(1, unbiased: false).to(float32).data<float>().ToArray());
        }
        return (means.ToArray(), stds.ToArray());
    }
}
