using MagvitSeg.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>Loss of one step: the differentiable total and the final layer's unweighted parts.</summary>
/// <param name="Total">Weighted sum over the used layers (scalar, with gradient).</param>
/// <param name="Class">Final-layer class cross-entropy.</param>
/// <param name="Mask">Final-layer mask BCE.</param>
/// <param name="Dice">Final-layer dice loss.</param>
/// <param name="Matches">Final-layer (query, target) pairs per image.</param>
public sealed record MaskLossResult(Tensor Total, double Class, double Mask, double Dice, IReadOnlyList<(int Query, int Target)[]> Matches);

/// <summary>
/// Set criterion of the query head: Hungarian matching per image and per decoder layer, then class cross-entropy over
/// all queries (unmatched ones learn "no object") and BCE + dice over matched masks at sampled points.
/// </summary>
/// <remarks>
/// Every image and decoder layer is matched from one batched cost tensor that crosses to the host once per step, and
/// each layer's mask losses sample all matched masks in one call. Per-image work on a GPU (a host synchronisation and
/// some twenty kernel launches per image and layer) made a step of the gpu head at batch 32 take 372 ms on an H200.
/// Random points are drawn in the same order as a per-image loop would draw them, so seeded runs are unchanged.
/// </remarks>
public sealed class MaskHeadLoss
{
    private readonly int _numClasses;
    private readonly MaskLossConfig _config;

    public MaskHeadLoss(int numClasses, MaskLossConfig? config = null)
    {
        _numClasses = numClasses;
        _config = config ?? new MaskLossConfig();
    }

    /// <summary>Losses of a head output against one target per image; points are drawn from <paramref name="generator"/> (CPU).</summary>
    public MaskLossResult Compute(MaskHeadOutput output, IReadOnlyList<InstanceTarget> targets, Generator? generator = null)
    {
        long b = output.ClassLogits.shape[0];
        if (targets.Count != b) throw new ArgumentException($"MaskHeadLoss: {targets.Count} targets for a batch of {b} images.");
        for (int i = 0; i < targets.Count; i++) targets[i].ValidateShapes($"target of image {i}");
        using var scope = NewDisposeScope();
        var layers = _config.AuxLoss ? output.Layers : new[] { output.Layers[^1] };
        var device = output.ClassLogits.device;
        long n = output.ClassLogits.shape[1], hm = output.MaskLogits.shape[2], wm = output.MaskLogits.shape[3];
        int numLayers = layers.Count;
        long p = _config.Points > 0 ? _config.Points : hm * wm;
        var batch = Pad(targets, device);
        int[] k = batch.Counts.Select(m => (int)Math.Min(n, m)).ToArray();                // a full matching pairs min(N, M)
        int kTotal = k.Sum();
        double numMasks = Math.Max(1, batch.Counts.Sum());

        // Points, drawn on the CPU in a per-image loop's order: per layer, per image, the matching points, then the loss
        // points of its matched masks.
        Tensor matchPoints, lossPoints;                                                     // [L, B, P, 2]; [L, K, P, 2] or shared [P, 2]
        if (_config.Points > 0)
        {
            var draws = new List<Tensor>();
            var lossDraws = new List<Tensor>();
            for (int l = 0; l < numLayers; l++)
                for (int i = 0; i < b; i++)
                {
                    draws.Add(PointSampler.Uniform(1, p, generator));
                    if (k[i] > 0) lossDraws.Add(PointSampler.Uniform(k[i], p, generator));
                }
            matchPoints = cat(draws, 0).view(numLayers, b, p, 2).to(device);
            lossPoints = kTotal > 0 ? cat(lossDraws, 0).view(numLayers, kTotal, p, 2).to(device) : empty(0);
        }
        else
        {
            lossPoints = PointSampler.PixelCentres(hm, wm, device);
            matchPoints = lossPoints.expand(numLayers, b, p, 2);
        }

        var matches = Match(layers, batch, matchPoints);
        var targetClasses = TargetClasses(matches, batch, n, device);                        // [L, B, N]

        var cw = Enumerable.Repeat(1f, _numClasses + 1).ToArray();
        cw[_numClasses] = (float)_config.NoObjectWeight;
        var classWeight = tensor(cw, device: device);                                       // [K+1]
        Tensor? total = null, last = null;
        for (int l = 0; l < numLayers; l++)
        {
            var cls = layers[l].ClassLogits;                                                // [B, N, K+1]
            var masks = layers[l].MaskLogits;                                               // [B, N, Hm, Wm]
            // Weighted cross-entropy over all queries, normalised by the summed weights (PyTorch's weighted mean).
            var tc = targetClasses[l];                                                      // [B, N]
            var nll = -cls.log_softmax(-1).gather(2, tc.unsqueeze(2)).squeeze(2);            // [B, N]
            var wq = classWeight.index_select(0, tc.flatten()).view(b, n);
            var classLoss = (nll * wq).sum() / wq.sum();

            Tensor maskLoss, diceLoss;
            if (kTotal == 0)
            {
                maskLoss = masks.sum() * 0;                                                 // keeps the graph for images without instances
                diceLoss = masks.sum() * 0;
            }
            else
            {
                var (rows, targetRows, images) = MatchedRows(matches[l], batch, n);
                var pts = _config.Points > 0 ? lossPoints[l] : lossPoints;                   // [K, P, 2] per mask, or [P, 2] shared
                var pl = PointSampler.Sample(masks.reshape(b * n, hm, wm).index_select(0, rows.to(device)), pts);
                var tl = PointSampler.Sample(batch.Masks.view(b * batch.MaxCount, batch.Height, batch.Width).index_select(0, targetRows.to(device)), pts);
                var wl = batch.Ignore is null
                    ? ones(kTotal, p, device: device)
                    : PointSampler.KeptWeights(PointSampler.Sample(batch.Ignore.squeeze(1).index_select(0, images.to(device)), pts));
                maskLoss = MaskLosses.SigmoidBce(pl, tl, numMasks, wl);
                diceLoss = MaskLosses.Dice(pl, tl, numMasks, wl);
            }
            var weighted = _config.ClassWeight * classLoss + _config.MaskWeight * maskLoss + _config.DiceWeight * diceLoss;
            total = total is null ? weighted : total + weighted;
            if (l == numLayers - 1) last = stack(new[] { classLoss, maskLoss, diceLoss }).detach();
        }
        var parts = last!.to(float64).cpu().data<double>().ToArray();                       // one read for the logged parts
        var result = total!;
        scope.MoveToOuter(result);
        return new MaskLossResult(result, parts[0], parts[1], parts[2], matches[^1]);
    }

    /// <summary>The batch's targets padded to a common instance count, with class ids read to the host once.</summary>
    private sealed record PaddedTargets(int[] Counts, long[][] Classes, long MaxCount, long Height, long Width, Tensor Masks, Tensor ClassIds, Tensor? Ignore);

    private PaddedTargets Pad(IReadOnlyList<InstanceTarget> targets, Device device)
    {
        int b = targets.Count;
        int[] counts = targets.Select(t => (int)t.Count).ToArray();
        long mMax = counts.Max();
        long h = targets[0].Masks.shape[1], w = targets[0].Masks.shape[2];
        for (int i = 1; i < b; i++)
            if (targets[i].Masks.shape[1] != h || targets[i].Masks.shape[2] != w)
                throw new ArgumentException($"target of image {i}: masks are {targets[i].Masks.shape[1]}x{targets[i].Masks.shape[2]} but image 0's are {h}x{w}; " +
                                            "every image of a batch must be at the head's input size.");
        var flat = counts.Sum() == 0 ? Array.Empty<long>() : cat(targets.Select(t => t.Classes).ToArray(), 0).cpu().data<long>().ToArray();
        var classes = new long[b][];
        for (int i = 0, offset = 0; i < b; offset += counts[i], i++)
        {
            classes[i] = flat[offset..(offset + counts[i])];
            if (counts[i] > 0) InstanceTarget.ValidateClassRange(classes[i].Min(), classes[i].Max(), _numClasses, $"target of image {i}");
        }
        Tensor PadRows(Tensor x, long m) => m == mMax ? x : cat(new[] { x, zeros(new[] { mMax - m }.Concat(x.shape[1..]).ToArray(), x.dtype, device) }, 0);
        var masks = stack(targets.Select(t => PadRows(t.Masks.to(float32), t.Count)).ToArray());      // [B, Mmax, H, W]
        var ids = stack(targets.Select(t => PadRows(t.Classes, t.Count)).ToArray());                    // [B, Mmax]
        var ignore = targets.Any(t => t.Ignore is not null)
            ? stack(targets.Select(t => t.Ignore?.to(float32) ?? zeros(h, w, device: device)).ToArray()).unsqueeze(1) // [B, 1, H, W]
            : null;
        return new PaddedTargets(counts, classes, mMax, h, w, masks, ids, ignore);
    }

    /// <summary>Minimum-cost (query, target) pairs per layer and image, sorted by query.</summary>
    private (int, int)[][][] Match(IReadOnlyList<LayerPrediction> layers, PaddedTargets batch, Tensor matchPoints)
    {
        int numLayers = layers.Count, b = batch.Counts.Length;
        var matches = new (int, int)[numLayers][][];
        for (int l = 0; l < numLayers; l++) matches[l] = Enumerable.Repeat(Array.Empty<(int, int)>(), b).ToArray();
        if (batch.MaxCount == 0) return matches;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = layers[0].ClassLogits.shape[1], m = batch.MaxCount, p = matchPoints.shape[2];
        long g = numLayers * b;
        var cls = stack(layers.Select(x => x.ClassLogits).ToArray()).view(g, n, -1);        // [L*B, N, K+1]
        var masks = stack(layers.Select(x => x.MaskLogits).ToArray());                       // [L, B, N, Hm, Wm]
        var pred = PointSampler.SampleChannels(masks.view(g, n, masks.shape[3], masks.shape[4]), matchPoints.reshape(g, p, 2)); // [L*B, N, P]
        // Each image's targets at its points of every layer in one call: [B, M, L*P] -> [L*B, M, P].
        var imagePoints = matchPoints.permute(1, 0, 2, 3).reshape(b, numLayers * p, 2);
        var tgt = PointSampler.SampleChannels(batch.Masks, imagePoints).view(b, m, numLayers, p).permute(2, 0, 1, 3).reshape(g, m, p);
        Tensor? w = batch.Ignore is null ? null
            : PointSampler.KeptWeights(PointSampler.SampleChannels(batch.Ignore, imagePoints).view(b, numLayers, p).permute(1, 0, 2).reshape(g, p));
        var ids = batch.ClassIds.unsqueeze(0).expand(numLayers, -1, -1).reshape(g, m);
        var cost = HungarianMatcher.Costs(cls, pred, ids, tgt, w, _config.MatcherWeights);
        var host = cost.to(float64).cpu().contiguous().data<double>().ToArray();             // the step's one read of the costs
        for (int l = 0; l < numLayers; l++)
            for (int i = 0; i < b; i++)
            {
                int mi = batch.Counts[i];
                if (mi == 0) continue;
                var c = new double[n, mi];
                long origin = (l * b + i) * n * m;
                for (int q = 0; q < n; q++)
                    for (int t = 0; t < mi; t++) c[q, t] = host[origin + q * m + t];
                matches[l][i] = LinearAssignment.Solve(c);
            }
        return matches;
    }

    /// <summary>Per layer, the class each query learns: "no object" except the matched target's class.</summary>
    private Tensor TargetClasses((int, int)[][][] matches, PaddedTargets batch, long n, Device device)
    {
        int numLayers = matches.Length, b = batch.Counts.Length;
        var tc = new long[numLayers * b * n];
        Array.Fill(tc, _numClasses);
        for (int l = 0; l < numLayers; l++)
            for (int i = 0; i < b; i++)
                foreach (var (q, t) in matches[l][i]) tc[(l * b + i) * n + q] = batch.Classes[i][t];
        return tensor(tc, device: device).view(numLayers, b, n);
    }

    /// <summary>Rows of the matched masks in the flattened predictions [B*N] and padded targets [B*Mmax], and their images.</summary>
    private static (Tensor Rows, Tensor TargetRows, Tensor Images) MatchedRows((int, int)[][] matches, PaddedTargets batch, long n)
    {
        var rows = new List<long>();
        var targetRows = new List<long>();
        var images = new List<long>();
        for (int i = 0; i < matches.Length; i++)
            foreach (var (q, t) in matches[i])
            {
                rows.Add(i * n + q);
                targetRows.Add(i * batch.MaxCount + t);
                images.Add(i);
            }
        return (tensor(rows.ToArray()), tensor(targetRows.ToArray()), tensor(images.ToArray()));
    }
}
