using System.Numerics;

namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// The background's two colours, written a row at a time from a mask (-1 = first colour, 0 = second). A select over
/// whole vectors replaced three conditional stores per pixel, which made the background the costliest part of a frame.
/// </summary>
internal readonly struct TwoColours
{
    private readonly float _r1, _g1, _b1, _r2, _g2, _b2;

    public TwoColours(float r1, float g1, float b1, float r2, float g2, float b2) =>
        (_r1, _g1, _b1, _r2, _g2, _b2) = (r1, g1, b1, r2, g2, b2);

    public void Paint(ReadOnlySpan<int> first, Span<float> red, Span<float> green, Span<float> blue)
    {
        int n = red.Length, x = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> r1 = new(_r1), g1 = new(_g1), b1 = new(_b1), r2 = new(_r2), g2 = new(_g2), b2 = new(_b2);
            for (; x <= n - Vector<float>.Count; x += Vector<float>.Count)
            {
                var m = new Vector<int>(first[x..]);
                Vector.ConditionalSelect(m, r1, r2).CopyTo(red[x..]);
                Vector.ConditionalSelect(m, g1, g2).CopyTo(green[x..]);
                Vector.ConditionalSelect(m, b1, b2).CopyTo(blue[x..]);
            }
        }
        for (; x < n; x++)
        {
            bool f = first[x] != 0;
            red[x] = f ? _r1 : _r2; green[x] = f ? _g1 : _g2; blue[x] = f ? _b1 : _b2;
        }
    }
}

/// <summary>
/// Row masks of the wave backgrounds. The vector lanes do the scalar arithmetic exactly (a multiply, an add, a compare,
/// no fused multiply-add), so the masks are bit-for-bit those of the per-pixel expressions.
/// </summary>
internal static class Waves
{
    /// <summary>first[x] = a[x] * ka + b[x] * kb &gt; 0.</summary>
    public static void Mask(ReadOnlySpan<double> a, double ka, ReadOnlySpan<double> b, double kb, Span<int> first)
    {
        int n = first.Length, x = 0, D = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> va = new(ka), vb = new(kb);
            for (; x <= n - 2 * D; x += 2 * D)
            {
                var lo = Vector.GreaterThan(new Vector<double>(a[x..]) * va + new Vector<double>(b[x..]) * vb, Vector<double>.Zero);
                var hi = Vector.GreaterThan(new Vector<double>(a[(x + D)..]) * va + new Vector<double>(b[(x + D)..]) * vb, Vector<double>.Zero);
                Vector.Narrow(lo, hi).CopyTo(first[x..]);
            }
        }
        for (; x < n; x++) first[x] = a[x] * ka + b[x] * kb > 0 ? -1 : 0;
    }

    /// <summary>first[x] = a[x] * ka &gt; threshold.</summary>
    public static void Mask(ReadOnlySpan<double> a, double ka, double threshold, Span<int> first)
    {
        int n = first.Length, x = 0, D = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<double> va = new(ka), vt = new(threshold);
            for (; x <= n - 2 * D; x += 2 * D)
            {
                var lo = Vector.GreaterThan(new Vector<double>(a[x..]) * va, vt);
                var hi = Vector.GreaterThan(new Vector<double>(a[(x + D)..]) * va, vt);
                Vector.Narrow(lo, hi).CopyTo(first[x..]);
            }
        }
        for (; x < n; x++) first[x] = a[x] * ka > threshold ? -1 : 0;
    }
}
