using MagvitSeg.Config;
using MagvitSeg.Masking;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Inspection;

/// <summary>The latents of one still image under one padding mode.</summary>
/// <param name="Mode">The condition profile name (magvit, zeros, noise, first-frame).</param>
/// <param name="Config">The condition settings used (frames and temporal compression of the tokenizer).</param>
/// <param name="Latent">Pre-quantisation latent [D, T', h, w] (CPU).</param>
/// <param name="Indices">Tokens [T', h, w] (CPU, int64).</param>
/// <param name="CosineToConditionFrame">Per latent frame t': the mean over positions of cos(z[:, t'], z[:, 0]).</param>
public sealed record ConditionedLatents(string Mode, ConditionConfig Config, Tensor Latent, Tensor Indices, double[] CosineToConditionFrame) : IDisposable
{
    public void Dispose()
    {
        Latent.Dispose();
        Indices.Dispose();
    }
}

/// <summary>
/// What the frame-prediction conditioning does to a still image's latents: the image becomes a clip under each padding
/// mode (<see cref="StillImageConditioner"/>), the tokenizer encodes it, and the latent frames are compared with the
/// condition latent frame (t' = 0) and with the image encoded alone (first-frame).
/// </summary>
public static class ConditioningProbe
{
    /// <summary>The padding modes compared by default.</summary>
    public static readonly string[] Modes = { "magvit", "zeros", "noise", "first-frame" };

    /// <summary>
    /// The condition settings of <paramref name="mode"/> for <paramref name="model"/>: its clip length and temporal
    /// compression. "first-frame" keeps the image alone; when the encoder pools time, a 1-frame clip has no latent
    /// frame, so the image is repeated to exactly one latent frame (TemporalFactor frames).
    /// </summary>
    public static ConditionConfig ConfigFor(Magvit3dVqvae model, string mode)
    {
        var v = model.Config;
        var c = ConditionConfig.Named(mode) with { Frames = v.Frames, TemporalCompression = v.TemporalFactor };
        return c.Padding == CondPadding.FirstFrameOnly ? c with { CondFrames = v.TemporalFactor } : c;
    }

    /// <summary>Encodes <paramref name="image"/> [3, H, W] (in [-1, 1], the tokenizer's size) under each mode.</summary>
    public static IReadOnlyList<ConditionedLatents> Run(Magvit3dVqvae model, Tensor image, IEnumerable<string>? modes = null)
    {
        if (image.dim() != 3) throw new ArgumentException($"Expected an image [3, H, W], got [{string.Join(", ", image.shape)}].", nameof(image));
        var results = new List<ConditionedLatents>();
        foreach (string mode in modes ?? Modes)
        {
            var config = ConfigFor(model, mode);
            using var batch = image.unsqueeze(0);                                                 // [1, 3, H, W]
            using var clip = StillImageConditioner.FromImage(batch, config);                    // [1, 3, T, H, W]
            using var e = LatentInspection.Encode(model, clip.Video);
            var z = e.Latent[0].clone();                                                         // [D, T', h, w]
            var idx = e.Indices[0].clone();                                                      // [T', h, w]
            results.Add(new ConditionedLatents(mode, config, z, idx, CosineToFirst(z)));
        }
        return results;
    }

    /// <summary>Per latent frame t': mean over positions of the cosine similarity between z[:, t'] and z[:, 0] (z is [D, T', h, w]).</summary>
    public static double[] CosineToFirst(Tensor z)
    {
        using var scope = NewDisposeScope();
        var first = z.narrow(1, 0, 1);                                                           // [D, 1, h, w]
        var cos = nn.functional.cosine_similarity(z, first.expand_as(z), dim: 0);                // [T', h, w]
        return cos.mean(new long[] { 1, 2 }).to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Mean cosine similarity to the condition latent frame per latent frame, one line per mode.</summary>
    public static PlotlyFigure CosineChart(IReadOnlyList<ConditionedLatents> results) =>
        new(results.Select(r => (Trace)new LineTrace(r.Mode, Enumerable.Range(0, r.CosineToConditionFrame.Length).Select(t => (double)t).ToArray(),
                                                      r.CosineToConditionFrame, Markers: true)),
            new FigureLayout("Latent frames vs the condition frame (still image)", "latent frame t'", "mean cosine similarity to t'=0",
                             YRange: (-1.02, 1.02)));

    /// <summary>
    /// One row per mode: clip and latent frames, how close the condition latent frame (t' = 0) stays to the image encoded
    /// alone (first-frame; cosine and share of equal tokens), and how close the padding latent frames are to t' = 0.
    /// </summary>
    public static DataFrame Table(IReadOnlyList<ConditionedLatents> results)
    {
        var alone = results.FirstOrDefault(r => r.Config.Padding == CondPadding.FirstFrameOnly);
        double CosAlone(ConditionedLatents r)
        {
            if (alone is null) return double.NaN;
            using var a = r.Latent.select(1, 0);                                                 // [D, h, w]
            using var b = alone.Latent.select(1, 0);
            using var cos = nn.functional.cosine_similarity(a, b, dim: 0);                       // [h, w]
            return cos.mean().to(ScalarType.Float64).item<double>();
        }
        double SameTokens(ConditionedLatents r)
        {
            if (alone is null) return double.NaN;
            using var a = r.Indices.select(0, 0);
            using var b = alone.Indices.select(0, 0);
            using var eq = a.eq(b).to(ScalarType.Float64);
            return 100 * eq.mean().item<double>();
        }
        return new DataFrame(
            new StringDataFrameColumn("mode", results.Select(r => r.Mode)),
            new StringDataFrameColumn("clip", results.Select(r => r.Config.Describe())),
            new Int32DataFrameColumn("latent frames", results.Select(r => (int)r.Latent.shape[1])),
            new DoubleDataFrameColumn("cos(t'=0, alone)", results.Select(CosAlone)),
            new DoubleDataFrameColumn("same tokens as alone (%)", results.Select(SameTokens)),
            new DoubleDataFrameColumn("mean cos(t'>0, t'=0)", results.Select(r =>
                r.CosineToConditionFrame.Length > 1 ? r.CosineToConditionFrame.Skip(1).Average() : double.NaN)));
    }

    /// <summary>
    /// Rows = modes, columns = latent frames: each latent frame as PCA colours, with one projection for all modes so
    /// equal colours mean similar latents; the image itself in the first column.
    /// </summary>
    public static PngImage PcaGrid(Tensor image, IReadOnlyList<ConditionedLatents> results, int scale = 3)
    {
        var maps = new List<Tensor>();
        var rows = new List<List<SKBitmap>>();
        List<SKBitmap>? pca = null;
        try
        {
            foreach (var r in results)
                for (int t = 0; t < r.Latent.shape[1]; t++) maps.Add(r.Latent.select(1, t));        // [D, h, w]
            int sf = (int)(image.shape[1] / results[0].Latent.shape[2]);
            pca = LatentInspection.JointPca(maps, sf * scale);
            int k = 0, cols = results.Max(r => (int)r.Latent.shape[1]);
            using var img = ImageTensors.ToBitmap(image);
            foreach (var r in results)
            {
                var row = new List<SKBitmap> { ImageTensors.Upscale(img, scale) };
                for (int t = 0; t < r.Latent.shape[1]; t++) row.Add(pca[k++].Copy());
                rows.Add(row);
            }
            using var grid = ImageGrid.Compose(rows, results.Select(r => r.Mode).ToArray(),
                new[] { "image" }.Concat(Enumerable.Range(0, cols).Select(t => $"t'={t}")).ToArray());
            return PngImage.Encode(grid);
        }
        finally
        {
            foreach (var m in maps) m.Dispose();
            foreach (var b in rows.SelectMany(r => r).Concat(pca ?? new List<SKBitmap>())) b.Dispose();
        }
    }
}
