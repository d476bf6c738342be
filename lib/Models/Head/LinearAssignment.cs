namespace MagvitSeg.Models.Head;

/// <summary>
/// Minimum-cost assignment for a rectangular cost matrix: the O(n^2 m) Hungarian algorithm with row/column potentials
/// and shortest augmenting paths (Jonker-Volgenant style), in double precision.
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// Pairs (row, column) of a minimum-cost matching of min(rows, cols) pairs, sorted by row; each row and each column
    /// is used at most once.
    /// </summary>
    /// <exception cref="ArgumentException">A cost is NaN or infinite.</exception>
    public static (int Row, int Col)[] Solve(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        foreach (double c in cost)
            if (!double.IsFinite(c)) throw new ArgumentException($"LinearAssignment: the {rows}x{cols} cost matrix holds a non-finite value ({c}).");
        if (rows == 0 || cols == 0) return Array.Empty<(int, int)>();
        bool transposed = rows > cols;
        int n = transposed ? cols : rows, m = transposed ? rows : cols;
        double A(int i, int j) => transposed ? cost[j, i] : cost[i, j];

        // 1-based potentials u (rows), v (columns); p[j] = row matched to column j; way[j] = previous column on the path.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = A(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }

        var pairs = new List<(int Row, int Col)>(n);
        for (int j = 1; j <= m; j++)
            if (p[j] != 0) pairs.Add(transposed ? (j - 1, p[j] - 1) : (p[j] - 1, j - 1));
        pairs.Sort((a, b) => a.Row.CompareTo(b.Row));
        return pairs.ToArray();
    }

    /// <summary>The total cost of a set of pairs.</summary>
    public static double TotalCost(double[,] cost, IEnumerable<(int Row, int Col)> pairs) => pairs.Sum(pr => cost[pr.Row, pr.Col]);
}
