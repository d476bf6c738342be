namespace MagvitSeg.Data.Synthetic;

/// <summary>One object's state in the MovingShapes simulation (position, motion, look).</summary>
internal sealed class ShapeObject
{
    public int Category, Pattern;
    public double X, Y, Vx, Vy, R, Dr, Angle, Spin, Freq, PatAngle;
    public float R1, G1, B1, R2, G2, B2;
}

/// <summary>Which of an object's two colours a point takes, in object-local coordinates (u, v).</summary>
internal interface IPatternTest
{
    static abstract bool First(double u, double v, double pc, double ps, double freq);
}

/// <summary>
/// Paints MovingShapes frames into planar float buffers. The loops are specialised per background pattern and per
/// (shape, texture) pair through struct generics, and per-row/per-column terms are computed once: the arithmetic of
/// every pixel is exactly the original expression (same operands, same order), so the output is bit-identical to the
/// straightforward per-pixel version (pinned by MovingShapesGoldenTests) at several times its speed.
/// </summary>
internal static class ShapePainter
{
    private struct Solid : IPatternTest { public static bool First(double u, double v, double pc, double ps, double freq) => true; }

    private struct Stripes : IPatternTest
    {
        public static bool First(double u, double v, double pc, double ps, double freq) => ((long)Math.Floor((u * pc + v * ps) * freq) & 1) == 0;
    }

    private struct Checker : IPatternTest
    {
        public static bool First(double u, double v, double pc, double ps, double freq) =>
            ((int)Math.Floor(u * freq + 8) + (int)Math.Floor(v * freq + 8) & 1) == 0;
    }

    private struct Bands : IPatternTest
    {
        public static bool First(double u, double v, double pc, double ps, double freq)
        {
            double q = (u * pc + v * ps) * freq;
            return q - Math.Floor(q) < 0.5;
        }
    }

    private struct Dots : IPatternTest
    {
        public static bool First(double u, double v, double pc, double ps, double freq)
        {
            double du = u * freq - Math.Round(u * freq), dv = v * freq - Math.Round(v * freq);
            return du * du + dv * dv > 0.09;
        }
    }

    /// <summary>
    /// The two-colour background of one frame: pattern 0 checkerboard, 1 diagonal waves, 2 blobs; (ox, oy) is the pan
    /// offset. Writes every pixel of the three planes.
    /// </summary>
    public static void Background(PaintScratch scratch, int pattern, double freq, double ox, double oy, int S,
        float r1, float g1, float b1, float r2, float g2, float b2, Span<float> red, Span<float> green, Span<float> blue)
    {
        double[] colX = scratch.A, colX2 = scratch.B, rowY = scratch.C, rowY2 = scratch.D;
        // Only the terms the pattern reads are computed (the trigonometry was most of the cost of a frame).
        for (int i = 0; i < S; i++)
        {
            double wx = (i + ox) * freq, wy = (i + oy) * freq;
            switch (pattern)
            {
                case 0: colX[i] = Math.Floor(wx); rowY[i] = Math.Floor(wy); break;
                case 1: colX[i] = Math.Sin(wx); colX2[i] = Math.Cos(wx); rowY[i] = Math.Sin(0.5 * wy); rowY2[i] = Math.Cos(0.5 * wy); break;
                default: colX[i] = Math.Sin(wx); break;
            }
        }
        var colours = new TwoColours(r1, g1, b1, r2, g2, b2);
        if (pattern == 0)
        {
            // (cx + cy) & 1 is (cx & 1) ^ (cy & 1) in two's complement, so the checkerboard has only two distinct rows.
            int[] even = scratch.Even, odd = scratch.Odd;
            for (int x = 0; x < S; x++) { even[x] = ((long)colX[x] & 1) == 0 ? -1 : 0; odd[x] = ~even[x]; }
            for (int y = 0; y < S; y++)
                colours.Paint(((long)rowY[y] & 1) == 0 ? even : odd, red.Slice(y * S, S), green.Slice(y * S, S), blue.Slice(y * S, S));
            return;
        }
        var first = scratch.Even;
        for (int y = 0; y < S; y++)
        {
            if (pattern == 1) Waves.Mask(colX, rowY2[y], colX2, rowY[y], first.AsSpan(0, S));   // sin(wx + 0.5 wy) > 0
            else Waves.Mask(colX, Math.Sin((y + oy) * freq), 0.2, first.AsSpan(0, S));
            colours.Paint(first, red.Slice(y * S, S), green.Slice(y * S, S), blue.Slice(y * S, S));
        }
    }

    /// <summary>Paints object <paramref name="o"/> over a frame and labels its pixels <paramref name="id"/> in <paramref name="inst"/>.</summary>
    public static void Object(PaintScratch scratch, ShapeObject o, byte id, int S, Span<float> red, Span<float> green, Span<float> blue, Span<byte> inst)
    {
        switch (o.Category)
        {
            case 0: Object<ShapeTests.Circle>(scratch, o, id, S, red, green, blue, inst); break;
            case 1: Object<ShapeTests.Square>(scratch, o, id, S, red, green, blue, inst); break;
            case 2: Object<ShapeTests.Triangle>(scratch, o, id, S, red, green, blue, inst); break;
            case 3: Object<ShapeTests.Star>(scratch, o, id, S, red, green, blue, inst); break;
            case 4: Object<ShapeTests.Ring>(scratch, o, id, S, red, green, blue, inst); break;
            case 5: Object<ShapeTests.Cross>(scratch, o, id, S, red, green, blue, inst); break;
            case 6: Object<ShapeTests.Ellipse>(scratch, o, id, S, red, green, blue, inst); break;
            default: Object<ShapeTests.Pentagon>(scratch, o, id, S, red, green, blue, inst); break;
        }
    }

    private static void Object<TShape>(PaintScratch scratch, ShapeObject o, byte id, int S, Span<float> red, Span<float> green, Span<float> blue, Span<byte> inst)
        where TShape : struct, IShapeTest
    {
        switch (o.Pattern)
        {
            case 0: Object<TShape, Solid>(scratch, o, id, S, red, green, blue, inst); break;
            case 1: Object<TShape, Stripes>(scratch, o, id, S, red, green, blue, inst); break;
            case 2: Object<TShape, Checker>(scratch, o, id, S, red, green, blue, inst); break;
            case 3: Object<TShape, Bands>(scratch, o, id, S, red, green, blue, inst); break;
            default: Object<TShape, Dots>(scratch, o, id, S, red, green, blue, inst); break;
        }
    }

    private static void Object<TShape, TPattern>(PaintScratch scratch, ShapeObject o, byte id, int S, Span<float> red, Span<float> green, Span<float> blue, Span<byte> inst)
        where TShape : struct, IShapeTest where TPattern : struct, IPatternTest
    {
        double cos = Math.Cos(o.Angle), sin = Math.Sin(o.Angle), inv = 1 / o.R;
        int x0 = Math.Max(0, (int)(o.X - o.R * 1.05)), x1 = Math.Min(S - 1, (int)(o.X + o.R * 1.05) + 1);
        int y0 = Math.Max(0, (int)(o.Y - o.R * 1.05)), y1 = Math.Min(S - 1, (int)(o.Y + o.R * 1.05) + 1);
        double pc = Math.Cos(o.PatAngle), ps = Math.Sin(o.PatAngle), freq = o.Freq;
        // dx * cos and dx * sin per column: u = dx cos + dy sin and v = -dx sin + dy cos = dy cos - dx sin, exactly.
        double[] dxCos = scratch.A, dxSin = scratch.B;
        for (int x = x0; x <= x1; x++)
        {
            double dx = (x + 0.5 - o.X) * inv;
            dxCos[x] = dx * cos; dxSin[x] = dx * sin;
        }
        for (int y = y0; y <= y1; y++)
        {
            double dy = (y + 0.5 - o.Y) * inv;
            // Only the columns near the unit disc can pass the r2 <= 1 test: skip the rest of the bounding box. The margin
            // (1e-4 in r2, one pixel in x) dwarfs rounding, so no pixel that the full test accepts is skipped.
            double rest = 1.0001 - dy * dy;
            if (rest < 0) continue;
            double half = Math.Sqrt(rest) * o.R;
            int xa = Math.Max(x0, (int)Math.Floor(o.X - 0.5 - half) - 1), xb = Math.Min(x1, (int)Math.Ceiling(o.X - 0.5 + half) + 1);
            double dySin = dy * sin, dyCos = dy * cos;
            int row = y * S;
            for (int x = xa; x <= xb; x++)
            {
                double u = dxCos[x] + dySin, v = dyCos - dxSin[x];
                double r2 = u * u + v * v;
                if (r2 > 1.0 || !TShape.Inside(u, v, r2)) continue;
                bool first = TPattern.First(u, v, pc, ps, freq);
                int p = row + x;
                red[p] = first ? o.R1 : o.R2; green[p] = first ? o.G1 : o.G2; blue[p] = first ? o.B1 : o.B2;
                inst[p] = id;
            }
        }
    }
}
