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

    /// <summary>Renders clip <paramref name="index"/> of a split (all frames).</summary>
    public MovingShapesClip Render(long index, MovingShapesSplit split = MovingShapesSplit.Train) => Render(index, split, 0, Config.Frames);

    /// <summary>Renders frames [<paramref name="firstFrame"/>, firstFrame + <paramref name="frames"/>) of clip <paramref name="index"/>.</summary>
    public MovingShapesClip Render(long index, MovingShapesSplit split, int firstFrame, int frames)
    {
        int HW = Config.Size * Config.Size;
        var pix = new float[3 * frames * HW];
        var inst = new byte[frames * HW];
        var categories = RenderInto(index, split, firstFrame, frames, pix, inst);
        return new MovingShapesClip { Pixels = pix, Instances = inst, ObjectCategories = categories, T = frames, Size = Config.Size };
    }

    /// <summary>
    /// Renders frames [<paramref name="firstFrame"/>, firstFrame + <paramref name="frames"/>) of a clip into caller-owned
    /// buffers (pixels [3, T, H, W], instances [T, H, W], both fully overwritten) and returns the objects' categories.
    /// The batch path renders straight into tensor memory this way: a fresh 200 kB clip array per call lands on the
    /// large-object heap and cost more than the painting.
    /// </summary>
    public int[] RenderInto(long index, MovingShapesSplit split, int firstFrame, int frames, Span<float> pixels, Span<byte> instances)
    {
        var rng = new SplitMix(Config.Seed, (long)split, index);
        int S = Config.Size, T = frames, HW = S * S;
        if (pixels.Length < 3 * T * HW || instances.Length < T * HW)
            throw new ArgumentException($"MovingShapes.RenderInto: buffers hold {pixels.Length} / {instances.Length} values, a {T}-frame clip needs {3 * T * HW} / {T * HW}.");
        int n = Config.MinObjects + (int)rng.Below(Config.MaxObjects - Config.MinObjects + 1);
        var objs = new ShapeObject[n];
        for (int k = 0; k < n; k++)
        {
            var o = new ShapeObject
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

        var scratch = PaintScratch.For(S);
        instances[..(T * HW)].Clear();
        // Advance the simulation to the first frame asked for.
        for (int t = 0; t < firstFrame; t++) Step(objs, S);
        for (int t = 0; t < T; t++)
        {
            int ft = firstFrame + t;
            var red = pixels.Slice((0 * T + t) * HW, HW);
            var green = pixels.Slice((1 * T + t) * HW, HW);
            var blue = pixels.Slice((2 * T + t) * HW, HW);
            ShapePainter.Background(scratch, bgPattern, bgFreq, panX * ft, panY * ft, S, br1, bg1, bb1, br2, bg2, bb2, red, green, blue);
            // Painter's order: later objects are in front, so the instance map keeps exactly the visible pixels.
            var map = instances.Slice(t * HW, HW);
            for (int k = 0; k < n; k++) ShapePainter.Object(scratch, objs[k], (byte)(k + 1), S, red, green, blue, map);
            Step(objs, S);
        }
        var categories = new int[n];
        for (int k = 0; k < n; k++) categories[k] = objs[k].Category;
        return categories;
    }

    /// <summary>A batch of clips [B, 3, T, H, W] (float32, [-1, 1]) starting at clip <paramref name="start"/>, rendered on all cores.</summary>
    public Tensor Batch(long start, int batch, MovingShapesSplit split = MovingShapesSplit.Train)
    {
        int S = Config.Size, T = Config.Frames;
        // Each clip is rendered straight into the tensor's memory (no intermediate array, no copy).
        return BatchTensor.Create(batch, new long[] { 3, T, S, S }, (b, clip) =>
        {
            var scratch = PaintScratch.For(S);
            if (scratch.Instances.Length < T * S * S) scratch.Instances = new byte[T * S * S];
            RenderInto(start + b, split, 0, T, clip, scratch.Instances);
        });
    }

    /// <summary>Is local point (u, v) (object radius = 1) inside a shape of this category?</summary>
    internal static bool Inside(int category, double u, double v) => ShapeTests.Inside(category, u, v);

    private static void Step(ShapeObject[] objs, int S)
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
