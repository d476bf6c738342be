using MagvitSeg.Models.Head;


namespace MagvitSeg.Tests.Models.Head;

public class LinearAssignmentTests
{
    // Minimum over every injective assignment (no pruning: costs may be negative) of the smaller side into the larger one.
    private static double BruteForce(double[,] c)
    {
        int n = c.GetLength(0), m = c.GetLength(1);
        bool t = n > m;
        int rows = t ? m : n, cols = t ? n : m;
        double best = double.PositiveInfinity;
        var used = new bool[cols];
        void Go(int r, double acc)
        {
            if (r == rows) { best = Math.Min(best, acc); return; }
            for (int j = 0; j < cols; j++)
            {
                if (used[j]) continue;
                used[j] = true;
                Go(r + 1, acc + (t ? c[j, r] : c[r, j]));
                used[j] = false;
            }
        }
        Go(0, 0);
        return best;
    }

    [Fact]
    public void MatchesBruteForceOnRandomMatrices()
    {
        var rng = new Random(12345);
        for (int trial = 0; trial < 600; trial++)
        {
            int n = rng.Next(1, 7), m = rng.Next(1, 7);
            bool ties = trial % 3 == 0;                               // small integers: many equal costs
            var c = new double[n, m];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                    c[i, j] = ties ? rng.Next(0, 3) : rng.NextDouble() * 10 - 5;
            var pairs = LinearAssignment.Solve(c);
            Assert.Equal(Math.Min(n, m), pairs.Length);
            Assert.Equal(pairs.Length, pairs.Select(p => p.Row).Distinct().Count());
            Assert.Equal(pairs.Length, pairs.Select(p => p.Col).Distinct().Count());
            Assert.Equal(BruteForce(c), LinearAssignment.TotalCost(c, pairs), 9);
        }
    }

    [Fact]
    public void HandExample()
    {
        // Classic 3x3: the optimum is (0,1) + (1,0) + (2,2) = 1 + 2 + 2 = 5.
        var c = new double[,] { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        Assert.Equal(new[] { (0, 1), (1, 0), (2, 2) }, LinearAssignment.Solve(c));
    }

    [Fact]
    public void EmptyAndNonFinite()
    {
        Assert.Empty(LinearAssignment.Solve(new double[3, 0]));
        Assert.Empty(LinearAssignment.Solve(new double[0, 2]));
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[,] { { 1, double.NaN } }));
    }
}
