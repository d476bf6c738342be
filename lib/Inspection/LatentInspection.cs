using MagvitSeg.Config;
using MagvitSeg.Masking;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Inspection;

/// <summary>Clips and what a tokenizer makes of them, all on the CPU.</summary>
/// <param name="Clips">[B, 3, T, H, W] in [-1, 1].</param>
/// <param name="Latent">Pre-quantisation latents [B, D, T', h, w].</param>
/// <param name="Indices">Token ids [B, T', h, w] (int64).</param>
/// <param name="Config">The tokenizer's architecture (compression factors, codebook size).</param>
public sealed record EncodedClips(Tensor Clips, Tensor Latent, Tensor Indices, VqvaeConfig Config) : IDisposable
{
    public void Dispose()
    {
        Clips.Dispose();
        Latent.Dispose();
        Indices.Dispose();
    }
}

/// <summary>
/// Looks inside a tokenizer: codebook usage, token maps, latents as RGB (PCA) and the patches each code stands for.
/// </summary>
public static class LatentInspection
{
    /// <summary>Encodes <paramref name="clips"/> [B, 3, T, H, W] under no_grad in eval mode (the model's mode is restored).</summary>
    public static EncodedClips Encode(Magvit3dVqvae model, Tensor clips)
    {
        if (clips.dim() != 5) throw new ArgumentException($"Expected clips [B, 3, T, H, W], got [{string.Join(", ", clips.shape)}].", nameof(clips));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var device = model.parameters().First().device;
            var enc = model.Encode(clips.to(device));
            var x = clips.detach().to(ScalarType.Float32).cpu().clone();   // [B, 3, T, H, W]
            var z = enc.Latent.detach().cpu();                              // [B, D, T', h, w]
            var idx = enc.Indices.detach().to(ScalarType.Int64).cpu();      // [B, T', h, w]
            scope.MoveToOuter(x, z, idx);
            return new EncodedClips(x, z, idx, model.Config);
        }
        finally { if (wasTraining) model.train(); }
    }

    /// <summary>How often each code occurs in <paramref name="indices"/> (any shape of token ids).</summary>
    public static long[] CodeCounts(Tensor indices, int codebookSize)
    {
        using var counts = bincount(indices.flatten().to(ScalarType.Int64).cpu(), minlength: codebookSize); // [K]
        if (counts.shape[0] != codebookSize)
            throw new ArgumentException($"Token ids reach {counts.shape[0] - 1}, outside a codebook of {codebookSize}.", nameof(indices));
        return counts.data<long>().ToArray();
    }

    /// <summary>Usage summary: tokens, codes used, dead codes, perplexity, and the share of the most frequent code.</summary>
    public static DataFrame UsageTable(long[] counts)
    {
        long total = counts.Sum();
        double perplexity = Math.Exp(-counts.Where(c => c > 0).Sum(c => (double)c / total * Math.Log((double)c / total)));
        return new DataFrame(
            new Int64DataFrameColumn("tokens", new[] { total }),
            new StringDataFrameColumn("codes used", new[] { $"{counts.Count(c => c > 0)}/{counts.Length}" }),
            new Int32DataFrameColumn("dead codes", new[] { counts.Count(c => c == 0) }),
            new DoubleDataFrameColumn("perplexity", new[] { total == 0 ? double.NaN : perplexity }),
            new DoubleDataFrameColumn("top code share (%)", new[] { total == 0 ? double.NaN : 100.0 * counts.Max() / total }));
    }

    /// <summary>Code frequencies sorted from the most to the least used (log y): how evenly the codebook is used.</summary>
    public static PlotlyFigure RankChart(long[] counts)
    {
        var sorted = counts.OrderByDescending(c => c).Select(c => (double)Math.Max(c, 0)).ToArray();
        var rank = Enumerable.Range(1, sorted.Length).Select(r => (double)r).ToArray();
        int used = sorted.Count(c => c > 0);
        return new PlotlyFigure(new Trace[] { new LineTrace("tokens per code", rank[..used], sorted[..used], Markers: true) },
                                new FigureLayout($"Codes by frequency ({used}/{counts.Length} used)", "rank", "tokens", LogY: true));
    }

    /// <summary>
    /// Feature maps [C, h, w] (any sizes, same C) projected on their joint top-3 principal components, so colours
    /// compare across maps; each map as a bitmap upscaled by <paramref name="scale"/>. Caller disposes the bitmaps.
    /// </summary>
    public static List<SKBitmap> JointPca(IReadOnlyList<Tensor> features, int scale)
    {
        if (features.Count == 0) throw new ArgumentException("JointPca: no feature maps.", nameof(features));
        using var scope = NewDisposeScope();
        long width = features.Max(f => f.shape[2]);
        // Maps of different widths are padded with their own mean so the padding lands mid-range and is cut off again.
        var parts = features.Select(f =>
        {
            var g = f.detach().to(ScalarType.Float32).cpu();
            if (g.shape[2] == width) return g;
            var mean = g.mean(new long[] { 1, 2 }, keepdim: true).expand(-1, g.shape[1], width - g.shape[2]);
            return cat(new[] { g, mean }, 2);
        }).ToArray();
        var rgb = LatentPca.Project(cat(parts, 1));                         // [3, sum h, width] in [0, 1]
        var list = new List<SKBitmap>(features.Count);
        long row = 0;
        foreach (var f in features)
        {
            var piece = rgb.narrow(1, row, f.shape[1]).narrow(2, 0, f.shape[2]) * 2 - 1; // [3, h, w] in [-1, 1]
            row += f.shape[1];
            using var bmp = ImageTensors.ToBitmap(piece);
            list.Add(ImageTensors.Upscale(bmp, scale));
        }
        return list;
    }

    /// <summary>
    /// Clip <paramref name="clip"/> of <paramref name="e"/>: per latent frame t', the first input frame it covers, its
    /// token map (one colour per code) and its latent as PCA colours (joint over the clip's latent frames).
    /// </summary>
    public static PngImage TokenMaps(EncodedClips e, int clip = 0, int scale = 3)
    {
        int tf = e.Config.TemporalFactor, sf = e.Config.SpatialFactor;
        long latentFrames = e.Indices.shape[1];
        var frames = new List<SKBitmap>();
        var codes = new List<SKBitmap>();
        var pca = new List<SKBitmap>();
        try
        {
            using (var x = e.Clips[clip])
            {
                var list = ImageGrid.Frames(x, int.MaxValue);
                try { for (int t = 0; t < latentFrames; t++) frames.Add(ImageTensors.Upscale(list[Math.Min(t * tf, list.Count - 1)], scale)); }
                finally { foreach (var f in list) f.Dispose(); }
            }
            for (int t = 0; t < latentFrames; t++)
            {
                using var map = e.Indices[clip, t].contiguous();                 // [h, w]
                codes.Add(CodeMap.ToBitmap(map.data<long>().ToArray(), (int)map.shape[0], (int)map.shape[1], sf * scale));
            }
            var maps = Enumerable.Range(0, (int)latentFrames).Select(t => e.Latent[clip, TensorIndex.Colon, t]).ToList(); // [D, h, w] each
            try { pca.AddRange(JointPca(maps, sf * scale)); }
            finally { foreach (var m in maps) m.Dispose(); }
            using var grid = ImageGrid.Compose(new[] { frames, codes, pca },
                new[] { $"input (frame {tf}t')", "tokens", "latent PCA" },
                Enumerable.Range(0, (int)latentFrames).Select(t => $"t'={t}").ToArray());
            return PngImage.Encode(grid);
        }
        finally { foreach (var b in frames.Concat(codes).Concat(pca)) b.Dispose(); }
    }

    /// <summary>
    /// Still images [N, 3, H, W] turned into clips by <paramref name="condition"/>, encoded, and shown per image: the
    /// image, the token map and the latent PCA (joint over the images) of the first latent frame.
    /// </summary>
    public static PngImage ImageTokenMaps(Magvit3dVqvae model, Tensor images, ConditionConfig condition, int scale = 3)
    {
        using var clip = StillImageConditioner.FromImage(images, condition);   // [N, 3, T, H, W]
        using var e = Encode(model, clip.Video);
        int sf = e.Config.SpatialFactor, n = (int)images.shape[0];
        var rows = new List<List<SKBitmap>>();
        try
        {
            var maps = Enumerable.Range(0, n).Select(i => e.Latent[i, TensorIndex.Colon, 0]).ToList(); // [D, h, w]
            List<SKBitmap> pca;
            try { pca = JointPca(maps, sf * scale); }
            finally { foreach (var m in maps) m.Dispose(); }
            for (int i = 0; i < n; i++)
            {
                using var img = images[i];
                using var bmp = ImageTensors.ToBitmap(img);
                using var map = e.Indices[i, 0].contiguous();                    // [h, w]
                rows.Add(new List<SKBitmap>
                {
                    ImageTensors.Upscale(bmp, scale),
                    CodeMap.ToBitmap(map.data<long>().ToArray(), (int)map.shape[0], (int)map.shape[1], sf * scale),
                    pca[i],
                });
            }
            using var grid = ImageGrid.Compose(rows, Enumerable.Range(0, n).Select(i => $"image {i}").ToArray(),
                                               new[] { "image", "tokens (t'=0)", "latent PCA" });
            return PngImage.Encode(grid);
        }
        finally { foreach (var b in rows.SelectMany(r => r)) b.Dispose(); }
    }

    /// <summary>
    /// The <paramref name="codes"/> most frequent codes, each with the <paramref name="examples"/> input patches whose
    /// latents are nearest to it (among the positions assigned to it): a patch is the token's footprint (SpatialFactor
    /// pixels square) in the first frame of its latent frame, shown next to what the decoder makes of a grid of that
    /// code alone. Returns the codes (most frequent first) and the grid.
    /// </summary>
    public static (long[] Codes, PngImage Grid) NearestPatches(Magvit3dVqvae model, EncodedClips e, int codes = 8, int examples = 8, int scale = 8)
    {
        int tf = e.Config.TemporalFactor, sf = e.Config.SpatialFactor, k = e.Config.CodebookSize;
        using var scope = NewDisposeScope();
        long b = e.Latent.shape[0], d = e.Latent.shape[1], tl = e.Latent.shape[2], h = e.Latent.shape[3], w = e.Latent.shape[4];
        var z = e.Latent.permute(0, 2, 3, 4, 1).reshape(-1, d);                  // [N, D]
        var idx = e.Indices.reshape(-1);                                         // [N]
        Tensor codebook;
        using (no_grad()) codebook = model.Quantizer.Codebook.detach().to(ScalarType.Float32).cpu(); // [K, D]
        var dist = (z - codebook.index_select(0, idx)).square().sum(1);          // [N] distance to the assigned code
        var counts = CodeCounts(idx, k);
        var top = Enumerable.Range(0, k).Where(c => counts[c] > 0).OrderByDescending(c => counts[c]).ThenBy(c => c).Take(codes).Select(c => (long)c).ToArray();
        var idxArr = idx.data<long>().ToArray();
        var distArr = dist.data<float>().ToArray();
        var pixels = e.Clips.contiguous();                                       // [B, 3, T, H, W]
        var decoded = DecodeAlone(model, top, (int)tl, (int)h, (int)w);         // [C, 3, T, H, W] CPU
        var rows = new List<List<SKBitmap>>();
        try
        {
            foreach (var (code, row) in top.Select((c, r) => (c, r)))
            {
                var cells = new List<SKBitmap>();
                // The central token's footprint in the first frame of the decoded all-`code` clip.
                using (var patch = decoded[row, TensorIndex.Colon, 0].narrow(1, h / 2 * sf, sf).narrow(2, w / 2 * sf, sf))
                using (var bmp = ImageTensors.ToBitmap(patch)) cells.Add(ImageTensors.Upscale(bmp, scale));
                var nearest = Enumerable.Range(0, idxArr.Length).Where(i => idxArr[i] == code).OrderBy(i => distArr[i]).Take(examples);
                foreach (int i in nearest)
                {
                    long bi = i / (tl * h * w), rest = i % (tl * h * w), ti = rest / (h * w), yi = rest % (h * w) / w, xi = rest % w;
                    using var patch = pixels[bi, TensorIndex.Colon, ti * tf].narrow(1, yi * sf, sf).narrow(2, xi * sf, sf); // [3, sf, sf]
                    using var bmp = ImageTensors.ToBitmap(patch);
                    cells.Add(ImageTensors.Upscale(bmp, scale));
                }
                rows.Add(cells);
            }
            int cols = rows.Max(r => r.Count);
            using var grid = ImageGrid.Compose(rows, top.Select(c => $"code {c} ({counts[c]}x)").ToArray(),
                new[] { "decoded" }.Concat(Enumerable.Range(1, cols - 1).Select(j => $"#{j}")).ToArray());
            return (top, PngImage.Encode(grid));
        }
        finally { foreach (var c in rows.SelectMany(r => r)) c.Dispose(); }
    }

    // Decodes, for each code, a latent grid holding only that code: [codes, 3, T, H, W] on the CPU.
    private static Tensor DecodeAlone(Magvit3dVqvae model, long[] codes, int t, int h, int w)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var device = model.parameters().First().device;
            // Called inside the caller's dispose scope, which frees these temporaries.
            var ids = tensor(codes, dtype: ScalarType.Int64).reshape(-1, 1, 1, 1).expand(-1, t, h, w).contiguous().to(device); // [C, t, h, w]
            return model.DecodeIndices(ids).clamp(-1, 1).cpu();
        }
        finally { if (wasTraining) model.train(); }
    }
}
