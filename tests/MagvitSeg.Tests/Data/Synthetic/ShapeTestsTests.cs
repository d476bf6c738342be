using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Tests.Data.Synthetic;

/// <summary>The cheap star and pentagon tests must answer exactly as the arctangent ones they stand in for.</summary>
public class ShapeTestsTests
{
    [Fact]
    public void CheapArctangentIsWithinItsBound()
    {
        var rng = new Random(1);
        for (int i = 0; i < 200_000; i++)
        {
            double y = rng.NextDouble() * 2 - 1, x = rng.NextDouble() * 2 - 1;
            if (x * x + y * y < 1e-6) continue;
            Assert.True(Math.Abs(Angles.Atan2(y, x) - Math.Atan2(y, x)) < 1e-10, $"({x}, {y})");
        }
    }

    [Fact]
    public void StarAndPentagonMatchTheExactTests()
    {
        // A fine grid, plus points a hair off the boundary where only the exact fallback can decide.
        var rng = new Random(2);
        int disagreements = 0;
        for (int i = 0; i < 400_000; i++)
        {
            double u = rng.NextDouble() * 2 - 1, v = rng.NextDouble() * 2 - 1, r2 = u * u + v * v;
            if (r2 > 1) continue;
            if (ShapeTests.Star.Inside(u, v, r2) != ShapeTests.Star.Exact(u, v, r2)) disagreements++;
            if (ShapeTests.Pentagon.Inside(u, v, r2) != ShapeTests.Pentagon.Exact(u, v, r2)) disagreements++;
        }
        double seg = 2 * Math.PI / 5;
        for (int i = 0; i < 100_000; i++)
        {
            double th = rng.NextDouble() * 2 * Math.PI, a = Math.Abs((th % seg) - seg / 2) / (seg / 2);
            double rStar = (1 - 0.55 * a) * (1 + (rng.NextDouble() - 0.5) * 1e-12);
            double rPent = Math.Cos(Math.PI / 5) / Math.Cos(th % seg - seg / 2) * (1 + (rng.NextDouble() - 0.5) * 1e-12);
            (double u, double v) s = (rStar * Math.Cos(th), rStar * Math.Sin(th)), p = (rPent * Math.Cos(th), rPent * Math.Sin(th));
            if (ShapeTests.Star.Inside(s.u, s.v, s.u * s.u + s.v * s.v) != ShapeTests.Star.Exact(s.u, s.v, s.u * s.u + s.v * s.v)) disagreements++;
            double p2 = p.u * p.u + p.v * p.v;
            if (p2 <= 1 && ShapeTests.Pentagon.Inside(p.u, p.v, p2) != ShapeTests.Pentagon.Exact(p.u, p.v, p2)) disagreements++;
        }
        Assert.Equal(0, disagreements);
    }
}
