using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Data.Video;

/// <summary>Cuts one [3, T, H, W] clip from a decoded video: temporal window, random crop, flip, bilinear resize, [-1, 1].</summary>
internal static class ClipCutter
{
    /// <summary>Cuts into <paramref name="pixels"/> (3*T*H*W floats, fully overwritten); the video must hold <see cref="ClipSampling.Span"/> frames.</summary>
    public static void CutInto(DecodedVideo video, ClipSampling config, ref SplitMix rng, Span<float> pixels)
    {
        int t = config.Frames, h = config.Height, w = config.Width, hw = h * w, plane = t * hw;
        if (video.Frames < config.Span)
            throw new InvalidDataException($"{video.Path}: has {video.Frames} frame(s), a clip needs {config.Span} (T={t}, stride {config.Stride}).");
        if (pixels.Length != 3 * plane) throw new ArgumentException($"Clip buffer holds {pixels.Length} floats, needs {3 * plane}.");
        int start = (int)rng.Below(video.Frames - config.Span + 1);
        // Largest crop with the output aspect, then a random scale and position.
        double aspect = (double)w / h;
        double fullW = Math.Min(video.Width, video.Height * aspect);
        double cw = fullW * (config.MinCropScale + rng.Uniform() * (1 - config.MinCropScale)), ch = cw / aspect;
        double x0 = rng.Uniform() * (video.Width - cw), y0 = rng.Uniform() * (video.Height - ch);
        bool flip = config.Flip && rng.Below(2) == 1;
        // Sample positions (pixel centres) are shared by all frames: the bilinear taps are computed once per clip.
        var xs = Taps(x0, cw, w, video.Width);
        var ys = Taps(y0, ch, h, video.Height);
        if (flip) Array.Reverse(xs);
        const float toUnit = 2f / 255f;
        unsafe
        {
            fixed (byte* rgb = video.Rgb)
            fixed (float* dst = pixels)
            {
                for (int f = 0; f < t; f++)
                {
                    byte* frame = rgb + (long)(start + f * config.Stride) * video.FrameBytes;
                    for (int y = 0; y < h; y++)
                    {
                        var (ya, yb, fy) = ys[y];
                        byte* rowA = frame + ya * video.Width * 3, rowB = frame + yb * video.Width * 3;
                        float* o0 = dst + f * hw + y * w, o1 = o0 + plane, o2 = o1 + plane;
                        for (int x = 0; x < w; x++)
                        {
                            var (xa, xb, u) = xs[x];
                            byte* a0 = rowA + 3 * xa, a1 = rowA + 3 * xb, b0 = rowB + 3 * xa, b1 = rowB + 3 * xb;
                            float t0 = a0[0] + (a1[0] - a0[0]) * u, d0 = b0[0] + (b1[0] - b0[0]) * u;
                            float t1 = a0[1] + (a1[1] - a0[1]) * u, d1 = b0[1] + (b1[1] - b0[1]) * u;
                            float t2 = a0[2] + (a1[2] - a0[2]) * u, d2 = b0[2] + (b1[2] - b0[2]) * u;
                            o0[x] = (t0 + (d0 - t0) * fy) * toUnit - 1f;
                            o1[x] = (t1 + (d1 - t1) * fy) * toUnit - 1f;
                            o2[x] = (t2 + (d2 - t2) * fy) * toUnit - 1f;
                        }
                    }
                }
            }
        }
    }

    private static (int A, int B, float Frac)[] Taps(double origin, double extent, int outSize, int inSize)
    {
        var taps = new (int, int, float)[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double src = Math.Clamp(origin + (i + 0.5) * extent / outSize - 0.5, 0, inSize - 1);
            int a = (int)Math.Floor(src);
            taps[i] = (a, Math.Min(a + 1, inSize - 1), (float)(src - a));
        }
        return taps;
    }
}
