using MagvitSeg.Data.Synthetic;
using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>
/// A stream of training clips [B, 3, T, H, W] in [-1, 1]. <see cref="Position"/> is the whole state: a resumed run
/// sets it back and draws the same clips as an uninterrupted one.
/// </summary>
public interface IClipSource
{
    /// <summary>The next batch (on the CPU; the trainer moves it).</summary>
    Tensor Next(int batch);
    /// <summary>How many batches have been drawn.</summary>
    long Position { get; set; }
    /// <summary>What the source is, for config.json.</summary>
    string Describe();
}

/// <summary>MovingShapes training videos, generated on the fly.</summary>
public sealed class MovingShapesSource(MovingShapes gen, MovingShapesSplit split = MovingShapesSplit.Train) : IClipSource
{
    /// <inheritdoc/>
    public long Position { get; set; }

    /// <inheritdoc/>
    public Tensor Next(int batch) => gen.Batch(Position++ * batch, batch, split);

    /// <inheritdoc/>
    public string Describe() => $"moving-shapes(size={gen.Config.Size}, frames={gen.Config.Frames}, seed={gen.Config.Seed}, split={split})";
}

/// <summary>Draws each batch from one of several sources with the given weights (seeded by position).</summary>
public sealed class MixedSource : IClipSource
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
    public long Position { get; set; }

    /// <inheritdoc/>
    public Tensor Next(int batch)
    {
        double r = new Random((int)(_seed * 1_000_003 + Position++)).NextDouble() * _parts.Sum(p => p.Weight);
        foreach (var (s, w) in _parts)
        {
            if (r < w) return s.Next(batch);
            r -= w;
        }
        return _parts[^1].Source.Next(batch);
    }

    /// <inheritdoc/>
    public string Describe() => "mixed(" + string.Join(", ", _parts.Select(p => $"{p.Weight}:{p.Source.Describe()}")) + ")";
}
