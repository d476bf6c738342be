using MagvitSeg.Data.Synthetic;
using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>MovingShapes videos, generated on the fly: step s of batch size B is clips [s*B, (s+1)*B) of the split.</summary>
public sealed class MovingShapesSource(MovingShapes gen, MovingShapesSplit split = MovingShapesSplit.Train) : IClipSource
{
    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize) => gen.Batch(step * batchSize, batchSize, split);

    /// <inheritdoc/>
    public override string ToString() => $"moving-shapes(size={gen.Config.Size}, frames={gen.Config.Frames}, seed={gen.Config.Seed}, split={split})";
}

/// <summary>Draws each step's batch from one of several sources with the given weights; the choice is a function of (seed, step).</summary>
public sealed class MixedSource : IClipSource, IReportsSkipped
{
    private readonly (IClipSource Source, double Weight)[] _parts;
    private readonly long _seed;

    /// <summary>A mixture; weights need not sum to 1.</summary>
    public MixedSource(long seed, params (IClipSource Source, double Weight)[] parts)
    {
        if (parts.Length == 0 || parts.Any(p => p.Weight < 0) || parts.Sum(p => p.Weight) <= 0)
            throw new ArgumentException("MixedSource needs at least one source with a positive weight.");
        _parts = parts; _seed = seed;
    }

    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize)
    {
        // SplitMix64 of (seed, step): the same draw in every process (HashCode is randomised per process).
        double r = Draw(_seed, step) * _parts.Sum(p => p.Weight);
        foreach (var (s, w) in _parts)
        {
            if (r < w) return s.Batch(step, batchSize);
            r -= w;
        }
        return _parts[^1].Source.Batch(step, batchSize);
    }

    /// <summary>The uniform [0, 1) draw that picks step <paramref name="step"/>'s source: a pure function of (seed, step).</summary>
    public static double Draw(long seed, long step) => new SplitMix(seed, MixStream, step).Uniform();

    private const long MixStream = 0x4D495844; // "MIXD": its own stream, apart from the clips' draws

    /// <inheritdoc/>
    public IReadOnlyList<SkippedSample> Skipped => _parts.SelectMany(p => (p.Source as IReportsSkipped)?.Skipped ?? Array.Empty<SkippedSample>()).ToList();

    /// <inheritdoc/>
    public override string ToString() => "mixed(" + string.Join(", ", _parts.Select(p => $"{p.Weight}:{p.Source}")) + ")";
}
