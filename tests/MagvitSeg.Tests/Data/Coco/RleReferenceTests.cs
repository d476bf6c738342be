using MagvitSeg.Data.Coco;

namespace MagvitSeg.Tests.Data.Coco;

/// <summary>
/// The fast RLE paths against literal ports of cocoapi's maskApi.c (rleFrPoly, rleToBbox here; rleIou as ReferenceIou) on random shapes,
/// including the awkward ones: vertices off the image or at negative coordinates, repeated vertices, axis-parallel
/// and 45-degree edges, slivers, and runs of length zero.
/// </summary>
public class RleReferenceTests
{
    [Fact]
    public void PolygonRasterisationMatchesMaskApi()
    {
        var rng = new Random(7);
        for (int n = 0; n < 20000; n++)
        {
            bool large = n % 10 == 0;  // image-sized polygons too: long steep edges, many columns
            int h = 1 + rng.Next(large ? 700 : 60), w = 1 + rng.Next(large ? 700 : 60);
            var xy = RandomPolygon(rng, h, w);
            var want = ReferenceFrPoly(xy, h, w);
            var got = Rle.FromPolygon(xy, h, w).Counts;
            Assert.True(want.SequenceEqual(got), $"polygon {n} [{string.Join(", ", xy)}] in {h}x{w}: expected [{string.Join(",", want)}], got [{string.Join(",", got)}]");
        }
    }

    [Fact]
    public void IouMaskMatchesMaskApi()
    {
        var rng = new Random(11);
        for (int n = 0; n < 5000; n++)
        {
            int h = 1 + rng.Next(30), w = 1 + rng.Next(30);
            var a = RandomRuns(rng, h, w);
            var b = RandomRuns(rng, h, w);
            var ma = RleIouMask.FromCounts(a, h, w);
            var mb = RleIouMask.FromCounts(b, h, w);
            Assert.Equal(ReferenceBbox(a, h, w), ma.Bbox);
            Assert.Equal(new Rle(h, w, a).Area(), ma.Area);
            foreach (bool crowd in new[] { false, true })
                Assert.Equal(ReferenceIou(a, b, crowd), RleIouMask.Iou(ma, mb, crowd)); // the merge as maskApi.c runs it
        }
    }

    // maskApi.c rleIou for one pair, line by line (A = detection, B = ground truth, same size).
    private static double ReferenceIou(uint[] A, uint[] B, bool crowd)
    {
        if (A.Length == 0 || B.Length == 0) return 0;
        uint ca = A[0], cb = B[0], i = 0, u = 0, ct = 1;
        bool va = false, vb = false;
        int a = 1, b = 1;
        while (ct > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb) { u += c; if (va && vb) i += c; }
            ct = 0;
            ca -= c; if (ca == 0 && a < A.Length) { ca = A[a++]; va = !va; }
            ct += ca;
            cb -= c; if (cb == 0 && b < B.Length) { cb = B[b++]; vb = !vb; }
            ct += cb;
        }
        if (i == 0) u = 1;
        else if (crowd) { u = 0; for (int k = 1; k < A.Length; k += 2) u += A[k]; }
        return (double)i / u;
    }

    private static double[] RandomPolygon(Random rng, int h, int w)
    {
        int k = rng.Next(8) switch { 0 => 1 + rng.Next(2), _ => 3 + rng.Next(12) };
        var xy = new double[2 * k];
        for (int j = 0; j < k; j++)
        {
            // Mostly inside the image, some off it; grid and half-grid values make ties and axis-parallel edges.
            double X = rng.NextDouble() * (w + 8) - 4, Y = rng.NextDouble() * (h + 8) - 4;
            switch (rng.Next(6))
            {
                case 0: X = Math.Round(X); Y = Math.Round(Y); break;
                case 1: X = Math.Round(X * 2) / 2; Y = Math.Round(Y * 2) / 2; break;
                case 2 when j > 0: X = xy[2 * j - 2] + (rng.Next(2) == 0 ? 0 : Y - xy[2 * j - 1]); break;  // vertical or 45 degrees
                case 3 when j > 0: X = xy[2 * j - 2]; Y = xy[2 * j - 1]; break;                              // repeated vertex
            }
            xy[2 * j] = X; xy[2 * j + 1] = Y;
        }
        return xy;
    }

    // Runs summing to h*w; half of them with zero-length runs now and then (as uncompressed crowd RLEs can have).
    private static uint[] RandomRuns(Random rng, int h, int w)
    {
        var runs = new List<uint>();
        long left = (long)h * w;
        bool empties = rng.Next(2) == 0;
        while (left > 0)
        {
            uint c = empties && rng.Next(5) == 0 ? 0 : (uint)Math.Min(left, 1 + rng.Next(2 * h));
            runs.Add(c); left -= c;
        }
        if (rng.Next(4) == 0) runs.Add(0);
        return runs.ToArray();
    }

    // maskApi.c rleFrPoly, transcribed.
    private static uint[] ReferenceFrPoly(double[] xy, int h, int w)
    {
        int k = xy.Length / 2; const double scale = 5;
        var x = new int[k + 1]; var y = new int[k + 1];
        for (int j = 0; j < k; j++) x[j] = (int)(scale * xy[j * 2] + .5);
        x[k] = x[0];
        for (int j = 0; j < k; j++) y[j] = (int)(scale * xy[j * 2 + 1] + .5);
        y[k] = y[0];
        int m = 0;
        for (int j = 0; j < k; j++) m += Math.Max(Math.Abs(x[j] - x[j + 1]), Math.Abs(y[j] - y[j + 1])) + 1;
        var u = new int[m]; var v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1], dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye), t;
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) { t = xs; xs = xe; xe = t; t = ys; ys = ye; ye = t; }
            double s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            if (dx >= dy) for (int d = 0; d <= dx; d++) { t = flip ? dx - d : d; u[m] = t + xs; v[m] = (int)(ys + s * t + .5); m++; }
            else for (int d = 0; d <= dy; d++) { t = flip ? dy - d : d; v[m] = t + ys; u[m] = (int)(xs + s * t + .5); m++; }
        }
        int kk = m; m = 0;
        var a = new uint[kk + 1];
        for (int j = 1; j < kk; j++)
        {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / scale - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > w - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / scale - .5;
            if (yd < 0) yd = 0; else if (yd > h) yd = h;
            yd = Math.Ceiling(yd);
            a[m++] = (uint)((int)xd * h + (int)yd);
        }
        int n = m;
        a[n++] = (uint)(h * w);
        Array.Sort(a, 0, n);
        uint p = 0;
        for (int j = 0; j < n; j++) { uint t = a[j]; a[j] -= p; p = t; }
        var b = new List<uint>();
        int jj = 0;
        b.Add(a[jj++]);
        while (jj < n)
        {
            if (a[jj] > 0) b.Add(a[jj++]);
            else { jj++; if (jj < n) b[^1] += a[jj++]; }
        }
        return b.ToArray();
    }

    // maskApi.c rleToBbox, transcribed.
    private static double[] ReferenceBbox(uint[] cnts, int height, int width)
    {
        uint h = (uint)height, m = (uint)(cnts.Length / 2 * 2);
        if (m == 0) return new double[4];
        uint xs = (uint)width, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
        for (uint j = 0; j < m; j++)
        {
            cc += cnts[j];
            uint t = cc - j % 2, y = t % h, x = (t - y) / h;
            if (j % 2 == 0) xp = x; else if (xp < x) { ys = 0; ye = h - 1; }
            xs = Math.Min(xs, x); xe = Math.Max(xe, x); ys = Math.Min(ys, y); ye = Math.Max(ye, y);
        }
        return new double[] { xs, ys, xe - xs + 1, ye - ys + 1 };
    }
}
