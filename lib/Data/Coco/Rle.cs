using System.Text;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// A binary mask as COCO run-length encoding: column-major runs over an h x w image, starting with a run of zeros
/// (possibly empty). Operations follow cocoapi's maskApi.c exactly, since COCO segm numbers depend on them.
/// </summary>
public sealed class Rle
{
    /// <summary>Image height.</summary>
    public int H { get; }
    /// <summary>Image width.</summary>
    public int W { get; }
    /// <summary>Run lengths, alternating zeros and ones, the first run being zeros.</summary>
    public uint[] Counts { get; }

    /// <summary>An RLE over an h x w image with the given runs (not copied).</summary>
    public Rle(int h, int w, uint[] counts)
    {
        if (h < 0 || w < 0) throw new ArgumentException($"RLE size must be non-negative, got [{h}, {w}].");
        H = h; W = w; Counts = counts;
    }

    /// <summary>Number of foreground pixels (rleArea).</summary>
    public long Area()
    {
        long a = 0;
        for (int j = 1; j < Counts.Length; j += 2) a += Counts[j];
        return a;
    }

    /// <summary>The sum of all runs; a valid RLE covers exactly h*w pixels.</summary>
    public long Total()
    {
        long s = 0;
        foreach (uint c in Counts) s += c;
        return s;
    }

    /// <summary>Encodes a column-major mask (index x*h + y; non-zero = foreground).</summary>
    public static Rle Encode(ReadOnlySpan<byte> columnMajor, int h, int w)
    {
        if (columnMajor.Length != (long)h * w) throw new ArgumentException($"mask has {columnMajor.Length} pixels, expected {h}x{w}.");
        var cnts = new List<uint>();
        byte p = 0; uint c = 0;
        foreach (byte v in columnMajor)
        {
            byte b = v != 0 ? (byte)1 : (byte)0;
            if (b != p) { cnts.Add(c); c = 0; p = b; }
            c++;
        }
        cnts.Add(c);
        return new Rle(h, w, cnts.ToArray());
    }

    /// <summary>Encodes a row-major mask (index y*w + x), the layout images and tensors use.</summary>
    public static Rle EncodeRowMajor(ReadOnlySpan<byte> rowMajor, int h, int w)
    {
        if (rowMajor.Length != (long)h * w) throw new ArgumentException($"mask has {rowMajor.Length} pixels, expected {h}x{w}.");
        var cnts = new List<uint>();
        byte p = 0; uint c = 0;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++)
            {
                byte b = rowMajor[y * w + x] != 0 ? (byte)1 : (byte)0;
                if (b != p) { cnts.Add(c); c = 0; p = b; }
                c++;
            }
        cnts.Add(c);
        return new Rle(h, w, cnts.ToArray());
    }

    /// <summary>Decodes to a column-major byte mask (0/1).</summary>
    public byte[] Decode()
    {
        var m = new byte[(long)H * W];
        int k = 0; byte v = 0;
        foreach (uint c in Counts)
        {
            if (v == 1) m.AsSpan(k, (int)c).Fill(1);
            k += (int)c; v ^= 1;
        }
        return m;
    }

    /// <summary>Decodes to a row-major byte mask (0/1), index y*w + x.</summary>
    public byte[] DecodeRowMajor()
    {
        var m = new byte[(long)H * W];
        long k = 0; bool on = false;
        foreach (uint c in Counts)
        {
            if (on)
                for (long i = k; i < k + c; i++) m[(i % H) * W + i / H] = 1;
            k += c; on = !on;
        }
        return m;
    }

    /// <summary>Union (or intersection) of several masks of one size (rleMerge). Sizes that differ give an empty 0x0 RLE.</summary>
    public static Rle Merge(IReadOnlyList<Rle> rles, bool intersect = false)
    {
        if (rles.Count == 0) return new Rle(0, 0, Array.Empty<uint>());
        if (rles.Count == 1) return new Rle(rles[0].H, rles[0].W, (uint[])rles[0].Counts.Clone());
        int h = rles[0].H, w = rles[0].W;
        uint[] acc = rles[0].Counts;
        int accM = acc.Length;
        for (int i = 1; i < rles.Count; i++)
        {
            var B = rles[i];
            if (B.H != h || B.W != w) return new Rle(0, 0, Array.Empty<uint>());
            uint[] A = acc[..accM];
            // A merged run ends where a run of A or B ends, so the output has at most |A| + |B| runs
            // (maskApi.c allocates h*w + 1, which for big images is a large, slow allocation per call).
            var outBuf = new uint[A.Length + B.Counts.Length + 1];
            uint ca = A[0], cb = B.Counts[0], cc = 0, ct = 1;
            bool v = false, va = false, vb = false;
            int a = 1, b = 1, m = 0;
            while (ct > 0)
            {
                uint c = Math.Min(ca, cb); cc += c; ct = 0;
                ca -= c; if (ca == 0 && a < A.Length) { ca = A[a++]; va = !va; }
                ct += ca;
                cb -= c; if (cb == 0 && b < B.Counts.Length) { cb = B.Counts[b++]; vb = !vb; }
                ct += cb;
                bool vp = v;
                v = intersect ? va && vb : va || vb;
                if (v != vp || ct == 0) { outBuf[m++] = cc; cc = 0; }
            }
            acc = outBuf;
            accM = m;
        }
        return new Rle(h, w, acc[..accM]);
    }

    /// <summary>Bounding box [x, y, w, h] of the foreground (rleToBbox, quirks included).</summary>
    public double[] ToBbox() => RleIouMask.FromCounts(Counts, H, W).Bbox;

    /// <summary>
    /// IoU of a detection and a ground-truth mask (rleIou for one pair). For a crowd ground truth the union is the
    /// detection's area. Different sizes give -1, as in maskApi.c.
    /// </summary>
    public static double Iou(Rle dt, Rle gt, bool crowd) =>
        RleIouMask.Iou(RleIouMask.FromCounts(dt.Counts, dt.H, dt.W), RleIouMask.FromCounts(gt.Counts, gt.H, gt.W), crowd);

    /// <summary>IoU of boxes [x, y, w, h] (bbIou for one pair); for a crowd ground truth the union is the detection's area.</summary>
    public static double BoxIou(ReadOnlySpan<double> d, ReadOnlySpan<double> g, bool crowd)
    {
        double ga = g[2] * g[3], da = d[2] * d[3];
        double w = Math.Min(d[2] + d[0], g[2] + g[0]) - Math.Max(d[0], g[0]);
        if (w <= 0) return 0;
        double h = Math.Min(d[3] + d[1], g[3] + g[1]) - Math.Max(d[1], g[1]);
        if (h <= 0) return 0;
        double i = w * h, u = crowd ? da : da + ga - i;
        return i / u;
    }

    /// <summary>
    /// Rasterises one polygon [x0, y0, x1, y1, ...] as cocoapi's rleFrPoly does: the boundary is upsampled 5x,
    /// walked with rounding, and only crossings of pixel-column centres are kept.
    /// </summary>
    public static Rle FromPolygon(ReadOnlySpan<double> xy, int h, int w)
    {
        int k = xy.Length / 2;
        const double scale = 5;
        var x = Scratch.Get(ref Scratch.X, k + 1);
        var y = Scratch.Get(ref Scratch.Y, k + 1);
        for (int j = 0; j < k; j++) x[j] = (int)(scale * xy[j * 2] + .5);
        x[k] = x[0];
        for (int j = 0; j < k; j++) y[j] = (int)(scale * xy[j * 2 + 1] + .5);
        y[k] = y[0];
        // At most one crossing per 5 upsampled columns of an edge, plus the closing h*w.
        long bound = 1;
        for (int j = 0; j < k; j++) bound += Math.Abs(x[j] - x[j + 1]) / 5 + 3;
        var crossings = new ColumnCrossings(Scratch.Get(ref Scratch.A, (int)bound), Scratch.Get(ref Scratch.Col, (int)bound), h, w);
        for (int j = 0; j < k; j++) crossings.AddEdge(x[j], y[j], x[j + 1], y[j + 1]);
        var a = Scratch.Get(ref Scratch.B, (int)bound);
        int n = crossings.SortInto(a);
        a[n++] = (uint)(h * w);
        // RLE from the sorted boundary positions: differenced, zero-length runs folded.
        uint p = 0;
        for (int j = 0; j < n; j++) { uint t = a[j]; a[j] -= p; p = t; }
        var b = Scratch.Get(ref Scratch.A, n);
        int jj = 0, mm = 0;
        b[mm++] = a[jj++];
        while (jj < n)
        {
            if (a[jj] > 0) b[mm++] = a[jj++];
            else { jj++; if (jj < n) b[mm - 1] += a[jj++]; }
        }
        return new Rle(h, w, b.AsSpan(0, mm).ToArray());
    }

    /// <summary>
    /// rleFrPoly's boundary walk, reduced to its output. maskApi.c walks each edge of the 5x-upsampled polygon one step
    /// at a time (along x where the edge is flat, along y where it is steep), then keeps the consecutive point pairs
    /// whose upsampled columns are c and c+1 with c = 5*xd + 2 (the centre of pixel column xd), as the position
    /// xd*h + ceil((min v + .5) / 5 - .5). Pairs that straddle two edges share a vertex column (or lie left of the
    /// image), so only pairs inside an edge count, and only the pairs at those columns are computed here: every fifth
    /// step of a flat edge, and on a steep edge the one step where its column moves past each such c. Every point is
    /// computed with maskApi.c's own expression, so the positions are the same multiset.
    /// </summary>
    private ref struct ColumnCrossings(uint[] positions, int[] columns, int h, int w)
    {
        private int _count, _minCol = int.MaxValue, _maxCol = int.MinValue;

        public void AddEdge(int xs, int ys, int xe, int ye)
        {
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) { (xs, xe) = (xe, xs); (ys, ye) = (ye, ys); }
            if (dx >= dy)
            {
                if (dx == 0) return;
                double s = (double)(ye - ys) / dx;
                // Points t and t+1 sit at columns xs+t and xs+t+1: from the first t whose column is a centre, every fifth.
                for (int t = FirstCentre(xs); t < dx; t += 5)
                    Add(xs + t, Math.Min((int)(ys + s * t + .5), (int)(ys + s * (t + 1) + .5)));
            }
            else if (xe != xs)
            {
                // The column u(t) = (int)(xs + s*t + .5) is monotone in t and moves by at most 1 per step, so it passes
                // each c between its ends at exactly one step t; an estimate of t is corrected with u itself.
                double s = (double)(xe - xs) / dy;
                int u0 = (int)(xs + .5), u1 = (int)(xs + s * dy + .5);
                int lo = Math.Min(u0, u1), hi = Math.Max(u0, u1);
                for (int c = lo + FirstCentre(lo); c < hi; c += 5)
                {
                    // Before the move: u(t) <= c going right, u(t) > c going left; the move is from t to t+1.
                    bool right = s > 0;
                    bool Before(int t) => right ? (int)(xs + s * t + .5) <= c : (int)(xs + s * t + .5) > c;
                    int t = Math.Clamp((int)Math.Floor((c + .5 - xs) / s), 0, dy - 1);
                    while (!Before(t)) t--;
                    while (Before(t + 1)) t++;
                    Add(c, ys + t);
                }
            }
        }

        // The first step t >= 0 with xs + t = 5*xd + 2 for some xd >= 0.
        private static int FirstCentre(int xs)
        {
            int t = Math.Max(0, 2 - xs);
            return t + ((2 - xs - t) % 5 + 5) % 5;
        }

        // A kept pair: upsampled column c of the left point, upsampled row v of the upper point. maskApi.c computes
        // xd = (c + .5) / 5 - .5 and keeps integer xd in [0, w-1], and yd = ceil(clamp((v + .5) / 5 - .5, 0, h)).
        // Both quotients are (c - 2) / 5 and (v - 2) / 5 to well within rounding (an integer one is exact, a fraction
        // is at least .2 away from one), so integer arithmetic gives the same pixel.
        private void Add(int c, int v)
        {
            if (c < 2 || (c - 2) % 5 != 0) return;       // not a pixel-column centre, or left of the image
            int col = (c - 2) / 5;
            if (col > w - 1) return;
            int row = v < 2 ? 0 : Math.Min((v + 2) / 5, h);
            positions[_count] = (uint)(col * h + row);
            columns[_count++] = col;
            _minCol = Math.Min(_minCol, col); _maxCol = Math.Max(_maxCol, col);
        }

        /// <summary>
        /// The positions in ascending order, into sorted; returns how many. A counting sort on the column (a row of h
        /// is the next column's first position, so column order is position order), then an insertion sort for the
        /// few crossings within a column.
        /// </summary>
        public readonly int SortInto(uint[] sorted)
        {
            if (_count == 0) return 0;
            int span = _maxCol - _minCol + 1;
            var start = Scratch.Get(ref Scratch.ColStart, span + 1);
            Array.Clear(start, 0, span + 1);
            for (int i = 0; i < _count; i++) start[columns[i] - _minCol + 1]++;
            for (int c = 0; c < span; c++) start[c + 1] += start[c];
            for (int i = 0; i < _count; i++) sorted[start[columns[i] - _minCol]++] = positions[i];
            for (int i = 1; i < _count; i++)
            {
                uint v = sorted[i];
                int j = i - 1;
                while (j >= 0 && sorted[j] > v) { sorted[j + 1] = sorted[j]; j--; }
                sorted[j + 1] = v;
            }
            return _count;
        }
    }

    // Per-thread scratch buffers: rasterising thousands of polygons must not allocate per call.
    private static class Scratch
    {
        [ThreadStatic] public static int[]? X, Y, Col, ColStart;
        [ThreadStatic] public static uint[]? A, B;

        public static T[] Get<T>(ref T[]? buf, int n)
        {
            if (buf is null || buf.Length < n) buf = new T[Math.Max(n, 256) * 2];
            return buf;
        }
    }

    /// <summary>The union of an annotation's polygons (frPyObjects + merge, as pycocotools' annToRLE).</summary>
    public static Rle FromPolygons(IReadOnlyList<double[]> polygons, int h, int w)
    {
        var parts = new Rle[polygons.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = FromPolygon(polygons[i], h, w);
        return Merge(parts);
    }

    /// <summary>The compressed string form (rleToString): LEB128-like, 6 bits per char, deltas from run i-2 after the third run.</summary>
    public string ToCompressedString() => Encoding.ASCII.GetString(ToCompressedBytes());

    /// <summary>The compressed form as ASCII bytes (what a results file holds between the quotes).</summary>
    public byte[] ToCompressedBytes()
    {
        var b = new List<byte>(Counts.Length * 2);
        for (int i = 0; i < Counts.Length; i++)
        {
            long x = Counts[i];
            if (i > 2) x -= Counts[i - 2];
            bool more = true;
            while (more)
            {
                int c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                b.Add((byte)(c + 48));
            }
        }
        return b.ToArray();
    }

    /// <summary>Parses the compressed string form (rleFrString).</summary>
    /// <exception cref="FormatException">A character outside the alphabet or a truncated number.</exception>
    public static Rle FromCompressedString(ReadOnlySpan<char> s, int h, int w)
    {
        var bytes = new byte[s.Length];
        for (int i = 0; i < s.Length; i++)
            bytes[i] = s[i] < 128 ? (byte)s[i] : throw new FormatException($"compressed RLE string has an invalid character '{s[i]}' at {i}");
        return FromCompressedBytes(bytes, h, w);
    }

    /// <summary>Parses the compressed form given as ASCII bytes (rleFrString).</summary>
    /// <exception cref="FormatException">A character outside the alphabet or a truncated number.</exception>
    public static Rle FromCompressedBytes(ReadOnlySpan<byte> s, int h, int w) => new(h, w, DecodeCounts(s).ToArray());

    // One number of the compressed form: 5 bits per character, low first, 0x20 = more follows, 0x10 in the last = negative.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static long ReadNumber(ReadOnlySpan<byte> s, ref int p)
    {
        int c0 = s[p] - 48;
        if ((uint)c0 < 32) { p++; return (c0 & 0x10) != 0 ? c0 - 32 : c0; }  // most differences fit one character
        long x = 0; int k = 0; bool more = true;
        while (more)
        {
            if (p >= s.Length) throw new FormatException("compressed RLE string ends inside a number");
            int c = s[p] - 48;
            if (c < 0 || c > 63)
                throw new FormatException(s[p] < 128 ? $"compressed RLE string has an invalid character '{(char)s[p]}' at {p}"
                                                     : $"compressed RLE string has a non-ASCII character at {p}");
            x |= (long)(c & 0x1f) << (5 * k);
            more = (c & 0x20) != 0;
            p++; k++;
            if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
        }
        return x;
    }

    /// <summary>
    /// The runs of a compressed form (ASCII bytes), in this thread's scratch buffer: valid until the thread's next RLE
    /// call. Lets loading and evaluation read a detection's runs without allocating them.
    /// </summary>
    /// <exception cref="FormatException">A character outside the alphabet or a truncated number.</exception>
    internal static ReadOnlySpan<uint> DecodeCounts(ReadOnlySpan<byte> s)
    {
        var cnts = Scratch.Get(ref Scratch.A, s.Length);
        int m = 0, p = 0;
        while (p < s.Length)
        {
            long x = ReadNumber(s, ref p);
            if (m > 2) x += cnts[m - 2];
            cnts[m++] = (uint)x;
        }
        return cnts.AsSpan(0, m);
    }
}
