namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// The inside test of one shape category on object-local coordinates (radius 1). One struct per category so the
/// painter's loop is compiled once per shape (a generic over a struct), instead of switching on the category per pixel.
/// </summary>
internal interface IShapeTest
{
    /// <summary>Is (u, v) inside? Callers have already rejected r2 = u*u + v*v &gt; 1.</summary>
    static abstract bool Inside(double u, double v, double r2);
}

/// <summary>The eight MovingShapes categories, in category-index order.</summary>
internal static class ShapeTests
{
    internal struct Circle : IShapeTest { public static bool Inside(double u, double v, double r2) => true; }

    internal struct Square : IShapeTest { public static bool Inside(double u, double v, double r2) => Math.Abs(u) <= 0.72 && Math.Abs(v) <= 0.72; }

    /// <summary>Inscribed equilateral triangle.</summary>
    internal struct Triangle : IShapeTest
    {
        public static bool Inside(double u, double v, double r2) => v <= 0.5 && 1.7320508 * u - v <= 1 && -1.7320508 * u - v <= 1;
    }

    /// <summary>Five-pointed star: the boundary radius falls from 1 at a tip to 0.45 between tips.</summary>
    internal struct Star : IShapeTest
    {
        public static bool Inside(double u, double v, double r2)
        {
            // The boundary never comes closer than 0.45 (a <= 1 below), so points with r <= sqrt(0.2) ~ 0.447 are inside
            // without the arctangent: the same answer, several times cheaper for the star's core.
            if (r2 <= 0.2) return true;
            // A cheap arctangent decides every pixel that is clearly in or out; the libm one only the few on the edge.
            double q = Angles.Atan2(v, u) / Seg, a = Math.Abs(2 * (q - Math.Floor(q)) - 1);
            double margin = Math.Sqrt(r2) - (1 - 0.55 * a);
            return Math.Abs(margin) > Angles.Tolerance ? margin < 0 : Exact(u, v, r2);
        }

        internal static bool Exact(double u, double v, double r2)
        {
            double th = Math.Atan2(v, u), seg = 2 * Math.PI / 5;
            double a = Math.Abs((th % seg + seg) % seg - seg / 2) / (seg / 2); // 0 at a tip, 1 between tips
            return Math.Sqrt(r2) <= 1 - 0.55 * a;
        }
    }

    internal struct Ring : IShapeTest { public static bool Inside(double u, double v, double r2) => r2 >= 0.3; }

    internal struct Cross : IShapeTest
    {
        public static bool Inside(double u, double v, double r2) =>
            (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 0.9) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 0.9);
    }

    internal struct Ellipse : IShapeTest { public static bool Inside(double u, double v, double r2) => u * u + v * v / 0.36 <= 1; }

    /// <summary>Regular pentagon with circumradius 1.</summary>
    internal struct Pentagon : IShapeTest
    {
        public static bool Inside(double u, double v, double r2)
        {
            // Its inradius is cos(pi/5) ~ 0.809: points with r <= sqrt(0.65) ~ 0.806 are inside without the arctangent.
            if (r2 <= 0.65) return true;
            // r cos(rel) below is the projection on the nearest edge normal, the largest of the five projections: five
            // products decide the clear cases, the arctangent only the few pixels on an edge.
            double most = double.MinValue;
            for (int k = 0; k < 5; k++) most = Math.Max(most, u * Normals[2 * k] + v * Normals[2 * k + 1]);
            double margin = most - Math.Cos(Math.PI / 5);
            return Math.Abs(margin) > Angles.Tolerance ? margin < 0 : Exact(u, v, r2);
        }

        internal static bool Exact(double u, double v, double r2)
        {
            double th = Math.Atan2(v, u), seg = 2 * Math.PI / 5;
            double rel = (th % seg + seg) % seg - seg / 2;
            return Math.Sqrt(r2) * Math.Cos(rel) <= Math.Cos(Math.PI / 5);
        }

        /// <summary>(cos, sin) of the edge normals, at seg / 2 + k seg.</summary>
        private static readonly double[] Normals = Enumerable.Range(0, 5)
            .SelectMany(k => new[] { Math.Cos(Seg / 2 + k * Seg), Math.Sin(Seg / 2 + k * Seg) }).ToArray();
    }

    /// <summary>The angle of a star or pentagon sector.</summary>
    private const double Seg = 2 * Math.PI / 5;

    /// <summary>The test for a category index (0..7), for callers outside the hot loop.</summary>
    public static bool Inside(int category, double u, double v)
    {
        double r2 = u * u + v * v;
        if (r2 > 1.0) return false;
        return category switch
        {
            0 => Circle.Inside(u, v, r2),
            1 => Square.Inside(u, v, r2),
            2 => Triangle.Inside(u, v, r2),
            3 => Star.Inside(u, v, r2),
            4 => Ring.Inside(u, v, r2),
            5 => Cross.Inside(u, v, r2),
            6 => Ellipse.Inside(u, v, r2),
            _ => Pentagon.Inside(u, v, r2),
        };
    }
}
