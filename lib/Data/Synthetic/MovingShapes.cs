using static TorchSharp.torch;

namespace MagvitSeg.Data.Synthetic;

/// <summary>MovingShapes parameters.</summary>
public sealed record MovingShapesConfig
{
    /// <summary>Frame height and width in pixels. The default value is 64.</summary>
    public int Size { get; init; } = 64;
    /// <summary>Frames per clip. The default value is 16.</summary>
    public int Frames { get; init; } = 16;
    /// <summary>Fewest objects in a clip. The default value is 2.</summary>
    public int MinObjects { get; init; } = 2;
    /// <summary>Most objects in a clip. The default value is 4.</summary>
    public int MaxObjects { get; init; } = 4;
    /// <summary>Whether the background pans. The default value is true.</summary>
    public bool Pan { get; init; } = true;
    /// <summary>Object size range as a fraction of the frame (radius). The default value is 0.12 to 0.24.</summary>
    public (double Min, double Max) Radius { get; init; } = (0.12, 0.24);
    /// <summary>The dataset seed: clip i is a pure function of (seed, split, i). The default value is 0.</summary>
    public long Seed { get; init; }
}

/// <summary>Which disjoint range of clip indices a clip comes from, so that training, validation and still images never share a video.</summary>
public enum MovingShapesSplit
{
    /// <summary>Tokenizer training videos.</summary>
    Train = 0,
    /// <summary>Held-out videos for reconstruction metrics.</summary>
    Val = 1,
    /// <summary>Held-out videos whose frames become the still-image train split.</summary>
    StillsTrain = 2,
    /// <summary>Held-out videos whose frames become the still-image val split.</summary>
    StillsVal = 3,
}

/// <summary>One rendered clip: pixels in [-1, 1] as [3, T, H, W], and the visible instance of every pixel.</summary>
public sealed class MovingShapesClip
{
    /// <summary>RGB, [3, T, H, W], values in [-1, 1].</summary>
    public required float[] Pixels { get; init; }
    /// <summary>Visible object per pixel, [T, H, W]: 0 background, k = object k (1-based).</summary>
    public required byte[] Instances { get; init; }
    /// <summary>Category index (0..7, see <see cref="MovingShapes.Categories"/>) of object k at [k-1].</summary>
    public required int[] ObjectCategories { get; init; }
    /// <summary>Frames.</summary>
    public int T { get; init; }
    /// <summary>Height = width.</summary>
    public int Size { get; init; }
}

/// <summary>
/// The embedded default dataset: textured shapes from eight categories moving over a textured, panning background.
/// Every object has its own colours and pattern, velocity (bouncing off the borders), rotation and scale change, and
/// objects occlude each other by depth; the instance map holds exactly the visible pixels of each object. Clips are
/// deterministic functions of (seed, split, index), so they are generated on the fly with no files and are the same
/// whatever the threading.
/// </summary>
public sealed class MovingShapes
{
    /// <summary>The categories, in category-index order (COCO ids are index + 1).</summary>
    public static readonly string[] Categories = { "circle", "square", "triangle", "star", "ring", "cross", "ellipse", "pentagon" };

    /// <summary>The configuration.</summary>
    public MovingShapesConfig Config { get; }

    /// <summary>A generator for <paramref name="config"/>.</summary>
    public MovingShapes(MovingShapesConfig? config = null)
    {
        Config = config ?? new MovingShapesConfig();
        if (Config.Size < 8 || Config.Frames < 1 || Config.MinObjects < 1 || Config.MaxObjects < Config.MinObjects || Config.MaxObjects > 250)
            throw new ArgumentException($"MovingShapes: invalid config {Config}.");
    }

    private sealed class Obj
    {
        public int Category, Pattern;
        public double X, Y, Vx, Vy, R, Dr, Angle, Spin, Freq, PatAngle;
        public float R1, G1, B1, R2, G2, B2;
    }

    /// <summary>Renders clip <paramref name="index"/> of a split (all frames).</summary>
    public MovingShapesClip Render(long index, MovingShapesSplit split = MovingShapesSplit.Train) => Render(index, split, 0, Config.Frames);

    /// <summary>Renders frames [<paramref name="firstFrame"/>, firstFrame + <paramref name="frames"/>) of clip <paramref name="index"/>.</summary>
    public MovingShapesClip Render(long index, MovingShapesSplit split, int firstFrame, int frames)
    {
        var rng = new SplitMix(Config.Seed, (long)split, index);
        int S = Config.Size, T = frames, HW = S * S;
        int n = Config.MinObjects + (int)rng.Below(Config.MaxObjects - Config.MinObjects + 1);
        var objs = new Obj[n];
        for (int k = 0; k < n; k++)
        {
            var o = new Obj
            {
                Category = (int)rng.Below(Categories.Length),
                Pattern = (int)rng.Below(5),
                R = S * (Config.Radius.Min + rng.Uniform() * (Config.Radius.Max - Config.Radius.Min)),
                Angle = rng.Uniform() * 2 * Math.PI,
                Spin = (rng.Uniform() - 0.5) * 0.3,
                Freq = 2 + rng.Uniform() * 4,
                PatAngle = rng.Uniform() * Math.PI,
            };
            o.Dr = (rng.Uniform() - 0.5) * 0.04 * o.R;
            o.X = o.R + rng.Uniform() * (S - 2 * o.R);
            o.Y = o.R + rng.Uniform() * (S - 2 * o.R);
            double speed = S * (0.01 + rng.Uniform() * 0.03), dir = rng.Uniform() * 2 * Math.PI;
            o.Vx = speed * Math.Cos(dir); o.Vy = speed * Math.Sin(dir);
            (o.R1, o.G1, o.B1) = Colour(ref rng);
            (o.R2, o.G2, o.B2) = Colour(ref rng);
            objs[k] = o;
        }
        // Background: two colours in a pattern, panning at a constant velocity.
        var (br1, bg1, bb1) = Colour(ref rng);
        var (br2, bg2, bb2) = Colour(ref rng);
        int bgPattern = (int)rng.Below(3);
        double bgFreq = 0.15 + rng.Uniform() * 0.3, panX = Config.Pan ? (rng.Uniform() - 0.5) * 2 : 0, panY = Config.Pan ? (rng.Uniform() - 0.5) * 2 : 0;

        var pix = new float[3 * T * HW];
        var inst = new byte[T * HW];
        // Advance the simulation to the first frame asked for.
        for (int t = 0; t < firstFrame; t++) Step(objs, S);
        for (int t = 0; t < T; t++)
        {
            int ft = firstFrame + t;
            int rOff = (0 * T + t) * HW, gOff = (1 * T + t) * HW, bOff = (2 * T + t) * HW;
            double ox = panX * ft, oy = panY * ft;
            // The background patterns are separable in x and y, so the trigonometry is done per row and column.
            var sx = Scratch(ref _sx, S); var cx = Scratch(ref _cx, S); var fx = Scratch(ref _fx, S);
            var sy = Scratch(ref _sy, S); var cy = Scratch(ref _cy, S); var fy = Scratch(ref _fy, S);
            for (int i = 0; i < S; i++)
            {
                double wx = (i + ox) * bgFreq, wy = (i + oy) * bgFreq;
                sx[i] = Math.Sin(wx); cx[i] = Math.Cos(wx); fx[i] = Math.Floor(wx);
                sy[i] = Math.Sin(0.5 * wy); cy[i] = Math.Cos(0.5 * wy); fy[i] = Math.Floor(wy);
            }
            for (int y = 0; y < S; y++)
            {
                double syFull = bgPattern == 2 ? Math.Sin((y + oy) * bgFreq) : 0;
                for (int x = 0; x < S; x++)
                {
                    bool a = bgPattern switch
                    {
                        0 => ((long)fx[x] + (long)fy[y] & 1) == 0,
                        1 => sx[x] * cy[y] + cx[x] * sy[y] > 0,           // sin(wx + 0.5 wy)
                        _ => sx[x] * syFull > 0.2,
                    };
                    int p = y * S + x;
                    pix[rOff + p] = a ? br1 : br2; pix[gOff + p] = a ? bg1 : bg2; pix[bOff + p] = a ? bb1 : bb2;
                }
            }
            // Painter's order: later objects are in front, so the instance map keeps exactly the visible pixels.
            for (int k = 0; k < n; k++)
            {
                var o = objs[k];
                double cos = Math.Cos(o.Angle), sin = Math.Sin(o.Angle), inv = 1 / o.R;
                int x0 = Math.Max(0, (int)(o.X - o.R * 1.05)), x1 = Math.Min(S - 1, (int)(o.X + o.R * 1.05) + 1);
                int y0 = Math.Max(0, (int)(o.Y - o.R * 1.05)), y1 = Math.Min(S - 1, (int)(o.Y + o.R * 1.05) + 1);
                double pc = Math.Cos(o.PatAngle), ps = Math.Sin(o.PatAngle);
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        double dx = (x + 0.5 - o.X) * inv, dy = (y + 0.5 - o.Y) * inv;
                        double u = dx * cos + dy * sin, v = -dx * sin + dy * cos;   // object-local coordinates
                        if (!Inside(o.Category, u, v)) continue;
                        double q = (u * pc + v * ps) * o.Freq;
                        bool first = o.Pattern switch
                        {
                            0 => true,                                               // solid
                            1 => ((long)Math.Floor(q) & 1) == 0,                     // stripes
                            2 => ((int)Math.Floor(u * o.Freq + 8) + (int)Math.Floor(v * o.Freq + 8) & 1) == 0, // checker
                            3 => q - Math.Floor(q) < 0.5,                            // bands
                            _ => (u * o.Freq - Math.Round(u * o.Freq)) * (u * o.Freq - Math.Round(u * o.Freq)) +
                                 (v * o.Freq - Math.Round(v * o.Freq)) * (v * o.Freq - Math.Round(v * o.Freq)) > 0.09, // dots
                        };
                        int p = y * S + x;
                        pix[rOff + p] = first ? o.R1 : o.R2; pix[gOff + p] = first ? o.G1 : o.G2; pix[bOff + p] = first ? o.B1 : o.B2;
                        inst[t * HW + p] = (byte)(k + 1);
                    }
            }
            Step(objs, S);
        }
        return new MovingShapesClip { Pixels = pix, Instances = inst, ObjectCategories = objs.Select(o => o.Category).ToArray(), T = T, Size = S };
    }

    /// <summary>A batch of clips [B, 3, T, H, W] (float32, [-1, 1]) starting at clip <paramref name="start"/>, rendered on all cores.</summary>
    public Tensor Batch(long start, int batch, MovingShapesSplit split = MovingShapesSplit.Train)
    {
        int S = Config.Size, T = Config.Frames, per = 3 * T * S * S;
        var data = new float[(long)batch * per];
        Parallel.For(0, batch, b => Render(start + b, split).Pixels.CopyTo(data, (long)b * per));
        return tensor(data, new long[] { batch, 3, T, S, S });
    }

    /// <summary>Is local point (u, v) (object radius = 1) inside a shape of this category?</summary>
    internal static bool Inside(int category, double u, double v)
    {
        double r2 = u * u + v * v;
        if (r2 > 1.0) return false;
        switch (category)
        {
            case 0: return true;                                                    // circle
            case 1: return Math.Abs(u) <= 0.72 && Math.Abs(v) <= 0.72;               // square
            case 2: return v <= 0.5 && 1.7320508 * u - v <= 1 && -1.7320508 * u - v <= 1; // triangle (inscribed)
            case 3:                                                                 // five-pointed star
            {
                double th = Math.Atan2(v, u), seg = 2 * Math.PI / 5;
                double a = Math.Abs((th % seg + seg) % seg - seg / 2) / (seg / 2); // 0 at a tip, 1 between tips
                return Math.Sqrt(r2) <= 1 - 0.55 * a;
            }
            case 4: return r2 >= 0.3;                                                // ring
            case 5: return (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 0.9) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 0.9); // cross
            case 6: return u * u + v * v / 0.36 <= 1;                                // ellipse
            default:                                                                // pentagon
            {
                double th = Math.Atan2(v, u), seg = 2 * Math.PI / 5;
                double rel = (th % seg + seg) % seg - seg / 2;
                return Math.Sqrt(r2) * Math.Cos(rel) <= Math.Cos(Math.PI / 5);
            }
        }
    }

    [ThreadStatic] private static double[]? _sx, _cx, _fx, _sy, _cy, _fy;

    private static double[] Scratch(ref double[]? buf, int n) => buf is { } b && b.Length >= n ? b : buf = new double[n];

    private static void Step(Obj[] objs, int S)
    {
        foreach (var o in objs)
        {
            o.X += o.Vx; o.Y += o.Vy; o.Angle += o.Spin;
            o.R = Math.Clamp(o.R + o.Dr, S * 0.06, S * 0.35);
            if (o.X < o.R * 0.5 && o.Vx < 0 || o.X > S - o.R * 0.5 && o.Vx > 0) o.Vx = -o.Vx; // bounce
            if (o.Y < o.R * 0.5 && o.Vy < 0 || o.Y > S - o.R * 0.5 && o.Vy > 0) o.Vy = -o.Vy;
        }
    }

    private static (float, float, float) Colour(ref SplitMix rng) =>
        ((float)(rng.Uniform() * 2 - 1), (float)(rng.Uniform() * 2 - 1), (float)(rng.Uniform() * 2 - 1));
}

/// <summary>SplitMix64: a tiny, fast, seedable generator; one stream per (seed, split, index).</summary>
internal struct SplitMix
{
    private ulong _s;

    public SplitMix(long seed, long split, long index)
    {
        _s = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)split * 0xD1B54A32D192ED03UL ^ (ulong)index * 0xBF58476D1CE4E5B9UL;
        Next(); Next();
    }

    public ulong Next()
    {
        ulong z = _s += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double Uniform() => (Next() >> 11) * (1.0 / (1UL << 53));

    public ulong Below(int n) => (ulong)(Uniform() * n);
}
