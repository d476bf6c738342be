namespace MagvitSeg.Data.Coco;

/// <summary>
/// A mask prepared for COCO's segm IoU: the end of every RLE run as a column-major pixel position (foreground run q
/// covers [Ends[2q], Ends[2q+1])), its area and rleToBbox's box. Intersections then walk the foreground runs of both
/// masks directly, and the union follows from the areas, which is what rleIou's merge of all runs counts.
/// </summary>
public sealed class RleIouMask
{
    /// <summary>Image height.</summary>
    public int H { get; }
    /// <summary>Image width.</summary>
    public int W { get; }
    /// <summary>Cumulative run lengths: run j ends (exclusive) at Ends[j].</summary>
    public uint[] Ends { get; }
    /// <summary>Number of foreground pixels (rleArea).</summary>
    public uint Area { get; }
    /// <summary>rleToBbox's [x, y, w, h].</summary>
    public double[] Bbox { get; }
    // The runs themselves, kept only when a run after the first is empty: rleIou's merge stops early when both masks
    // have an empty run at the same position, so such pairs go through the literal merge to give the same number.
    private readonly Rle? _withEmptyRuns;

    private RleIouMask(int h, int w, uint[] ends, uint area, double[] bbox, Rle? withEmptyRuns)
    {
        H = h; W = w; Ends = ends; Area = area; Bbox = bbox; _withEmptyRuns = withEmptyRuns;
    }

    /// <summary>From runs of an h x w image (as maskApi.c, sums wrap in 32 bits).</summary>
    public static RleIouMask FromCounts(ReadOnlySpan<uint> counts, int h, int w)
    {
        var ends = new uint[counts.Length];
        uint cc = 0, area = 0;
        bool emptyRun = false;
        for (int j = 0; j < counts.Length; j++)
        {
            cc += counts[j];
            ends[j] = cc;
            if ((j & 1) == 1) area += counts[j];
            emptyRun |= counts[j] == 0 && j > 0;
        }
        var literal = emptyRun ? new Rle(h, w, counts.ToArray()) : null;
        return new RleIouMask(h, w, ends, area, Rle.BboxOf(counts, h, w), literal);
    }

    /// <summary>From an RLE.</summary>
    public static RleIouMask FromRle(Rle rle) => FromCounts(rle.Counts, rle.H, rle.W);

    /// <summary>
    /// IoU of a detection and a ground-truth mask, as rleIou computes it once the boxes overlap: intersection over
    /// union, over the detection's area for a crowd ground truth, 0 when they do not intersect, -1 when sizes differ.
    /// </summary>
    public static double Iou(RleIouMask dt, RleIouMask gt, bool crowd)
    {
        if (dt.H != gt.H || dt.W != gt.W) return -1;
        if (dt.Ends.Length == 0 || gt.Ends.Length == 0) return 0;
        if (dt._withEmptyRuns is { } d && gt._withEmptyRuns is { } g) return Rle.Iou(d, g, crowd);
        uint i = Intersection(dt.Ends, gt.Ends);
        // rleIou counts the union run by run; on two masks covering the same h*w pixels that is |dt| + |gt| - i.
        uint u = i == 0 ? 1 : crowd ? dt.Area : dt.Area + gt.Area - i;
        return (double)i / u;
    }

    // Pixels in the foreground runs of both: a merge of two sorted lists of disjoint intervals, starting at the first
    // runs that can meet (column-major masks far apart on the image skip most of their runs).
    private static uint Intersection(uint[] a, uint[] b)
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
    private static int FirstRunEndingAfter(uint[] ends, int n, uint p)
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
