using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// A dependency-free clip source: coloured Gaussian blobs moving in straight lines over a smooth colour gradient.
/// Deterministic per (seed, step); used by tests, benchmarks and as the CLI's fallback when no dataset is wired.
/// </summary>
public sealed class ProceduralClips : IClipSource
{
    private readonly int _frames, _height, _width, _blobs;
    private readonly long _seed;

    /// <summary>Creates a source of <paramref name="frames"/>x<paramref name="height"/>x<paramref name="width"/> clips.</summary>
    /// <param name="frames">T.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="seed">Seed; a held-out split uses a different one.</param>
    /// <param name="blobs">Moving blobs per clip.</param>
    public ProceduralClips(int frames, int height, int width, long seed, int blobs = 3)
    {
        if (frames <= 0 || height <= 0 || width <= 0 || blobs <= 0)
            throw new ArgumentException($"ProceduralClips: frames ({frames}), height ({height}), width ({width}) and blobs ({blobs}) must be positive.");
        (_frames, _height, _width, _blobs, _seed) = (frames, height, width, blobs, seed);
    }

    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(unchecked((ulong)(_seed * 1_000_003 + step)));
        long b = batchSize, k = _blobs;
        Tensor U(params long[] shape) => rand(shape, generator: g);
        var t = arange(_frames, dtype: float32).view(1, 1, _frames, 1, 1) / Math.Max(1, _frames - 1); // [1, 1, T, 1, 1]
        var ys = linspace(0, 1, _height).view(1, 1, 1, _height, 1);          // [1, 1, 1, H, 1]
        var xs = linspace(0, 1, _width).view(1, 1, 1, 1, _width);            // [1, 1, 1, 1, W]
        // Background: a per-clip linear colour gradient.
        var c0 = U(b, 3) * 1.2 - 0.6;
        var gy = U(b, 3) * 0.8 - 0.4;
        var gx = U(b, 3) * 0.8 - 0.4;
        var clip = c0.view(b, 3, 1, 1, 1) + gy.view(b, 3, 1, 1, 1) * ys + gx.view(b, 3, 1, 1, 1) * xs; // [B, 3, 1, H, W]
        clip = clip.expand(b, 3, _frames, _height, _width).clone();         // [B, 3, T, H, W]
        var start = U(b, k, 2);                                              // [B, K, 2] in [0, 1]
        var velocity = U(b, k, 2) - 0.5;                                     // [B, K, 2] per clip length
        var radius = U(b, k) * 0.12 + 0.06;                                  // [B, K]
        var colour = U(b, k, 3) * 2 - 1;                                     // [B, K, 3]
        for (long i = 0; i < k; i++)
        {
            var cy = start[.., i, 0].view(b, 1, 1, 1, 1) + velocity[.., i, 0].view(b, 1, 1, 1, 1) * t; // [B, 1, T, 1, 1]
            var cx = start[.., i, 1].view(b, 1, 1, 1, 1) + velocity[.., i, 1].view(b, 1, 1, 1, 1) * t;
            var r = radius[.., i].view(b, 1, 1, 1, 1);
            var mask = (-((ys - cy).square() + (xs - cx).square()) / (2 * r.square())).exp(); // [B, 1, T, H, W]
            clip = clip * (1 - mask) + colour[.., i].view(b, 3, 1, 1, 1) * mask;
        }
        return scope.MoveToOuter(clip.clamp(-1, 1).contiguous());
    }
}
