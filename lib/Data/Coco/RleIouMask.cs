using System.Runtime.CompilerServices;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// A mask prepared for COCO's segm IoU: the end of every RLE run as a column-major pixel position (foreground run q
/// covers [Ends[2q], Ends[2q+1])), its area and rleToBbox's box. Intersections then walk the foreground runs of both
/// masks directly, and the union follows from the areas, which is what rleIou's merge of all runs counts.
/// A mask can be reloaded, so that one buffer serves a worker's detections one after the other.
/// </summary>
public sealed class RleIouMask
{
    private uint[] _ends = [];
    private int _n;
    private bool _hasEmptyRun;

    /// <summary>Image height.</summary>
    public int H { get; private set; }
    /// <summary>Image width.</summary>
    public int W { get; private set; }
    /// <summary>Cumulative run lengths: run j ends (exclusive) at Ends[j].</summary>
    public ReadOnlySpan<uint> Ends => _ends.AsSpan(0, _n);
    /// <summary>Number of foreground pixels (rleArea).</summary>
    public uint Area { get; private set; }
    /// <summary>rleToBbox's [x, y, w, h] (overwritten by <see cref="Load"/>).</summary>
    public double[] Bbox { get; } = new double[4];

    /// <summary>A mask from runs of an h x w image.</summary>
    public static RleIouMask FromCounts(ReadOnlySpan<uint> counts, int h, int w)
    {
        var m = new RleIouMask();
        m.Load(counts, h, w);
        return m;
    }

    /// <summary>Replaces this mask by runs of an h x w image (as maskApi.c, sums wrap in 32 bits).</summary>
    public void Load(ReadOnlySpan<uint> counts, int h, int w)
    {
        if (_ends.Length < counts.Length) _ends = new uint[Math.Max(counts.Length, 2 * _ends.Length)];
        H = h; W = w; _n = counts.Length;
        uint cc = 0, area = 0, shortest = uint.MaxValue;
        for (int j = 0; j < counts.Length; j++)
        {
            cc += counts[j];
            _ends[j] = cc;
            if ((j & 1) == 1) area += counts[j];
            if (j > 0) shortest = Math.Min(shortest, counts[j]);
        }
        Area = area;
        _hasEmptyRun = shortest == 0;
        BboxOfEnds(Ends, h, w, Bbox);
    }

    /// <summary>
    /// rleToBbox from run ends, quirks included: over the first and last pixel of every foreground run, the columns'
    /// range, and the rows' range unless a run spans two columns (then all rows); an empty run contributes the pixel
    /// before it.
    /// </summary>
    internal static void BboxOfEnds(ReadOnlySpan<uint> ends, int height, int width, Span<double> box)
    {
        int m = ends.Length / 2 * 2;
        if (m == 0) { box.Clear(); return; }
        uint h = (uint)height, xs = (uint)width, ys = h, xe = 0, ye = 0;
        bool spans = false;
        var col = new ColumnCursor(h);
        for (int j = 0; j < m; j += 2)
        {
            uint y0 = col.Locate(ends[j]), x0 = col.X;
            uint y1 = col.Locate(ends[j + 1] - 1), x1 = col.X;
            spans |= x0 < x1;
            xs = Math.Min(xs, Math.Min(x0, x1)); xe = Math.Max(xe, Math.Max(x0, x1));
            ys = Math.Min(ys, Math.Min(y0, y1)); ye = Math.Max(ye, Math.Max(y0, y1));
        }
        if (spans) { ys = 0; ye = h - 1; }
        box[0] = xs; box[1] = ys; box[2] = xe - xs + 1; box[3] = ye - ys + 1;
    }

    // Column-major position to column and row, following the positions along: a run mostly stays in its column or
    // moves to the next, and a division only happens on longer jumps.
    private struct ColumnCursor(uint h)
    {
        public uint X;
        private uint _start;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Locate(uint t)
        {
            uint y = t - _start;
            if (t >= _start && y < h) return y;
            if (t >= _start && y - h < h) { X++; _start += h; return y - h; }
            X = t / h; _start = X * h;
            return t - _start;
        }
    }

    /// <summary>
    /// IoU of a detection and a ground-truth mask, as rleIou computes it once the boxes overlap: intersection over
    /// union, over the detection's area for a crowd ground truth, 0 when they do not intersect, -1 when sizes differ.
    /// </summary>
    public static double Iou(RleIouMask dt, RleIouMask gt, bool crowd)
    {
        if (dt.H != gt.H || dt.W != gt.W) return -1;
        if (dt._n == 0 || gt._n == 0) return 0;
        // rleIou's merge stops early when both masks have an empty run at the same position: such pairs take the
        // literal merge, to give the same number.
        if (dt._hasEmptyRun && gt._hasEmptyRun) return LiteralIou(dt.ToCounts(), gt.ToCounts(), crowd ? dt.Area : null);
        uint i = Intersection(dt.Ends, gt.Ends);
        // rleIou counts the union run by run; on two masks covering the same h*w pixels that is |dt| + |gt| - i.
        uint u = i == 0 ? 1 : crowd ? dt.Area : dt.Area + gt.Area - i;
        return (double)i / u;
    }

    private uint[] ToCounts()
    {
        var counts = new uint[_n];
        for (int j = 0; j < _n; j++) counts[j] = _ends[j] - (j > 0 ? _ends[j - 1] : 0);
        return counts;
    }

    // maskApi.c's rleIou merge as written (run by run, stopping when both remaining runs are empty); the union is
    // crowdArea for a crowd ground truth.
    private static double LiteralIou(uint[] A, uint[] B, uint? crowdArea)
    {
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
        else if (crowdArea is { } area) u = area;
        return (double)i / u;
    }

    // Pixels in the foreground runs of both: a merge of two sorted lists of disjoint intervals, starting at the first
    // runs that can meet (column-major masks far apart on the image skip most of their runs).
    private static uint Intersection(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b)
    {
        int na = a.Length / 2, nb = b.Length / 2;
        if (na == 0 || nb == 0) return 0;
        int qa = FirstRunEndingAfter(a, na, b[0]), qb = FirstRunEndingAfter(b, nb, a[0]);
        uint inter = 0;
        while (qa < na && qb < nb)
        {
            uint sa = a[2 * qa], ea = a[2 * qa + 1], sb = b[2 * qb], eb = b[2 * qb + 1];
            uint lo = Math.Max(sa, sb), hi = Math.Min(ea, eb);
            if (hi > lo) inter += hi - lo;
            if (ea <= eb) qa++;
            if (eb <= ea) qb++;
        }
        return inter;
    }

    // The first foreground run q (of n) whose end is past position p: runs before it cannot overlap anything from p on.
    private static int FirstRunEndingAfter(ReadOnlySpan<uint> ends, int n, uint p)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (ends[2 * mid + 1] <= p) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
