using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models;

/// <summary>
/// Loss settings (Mask2Former's): class cross-entropy 2 with "no object" weight 0.1, mask BCE 5, dice 5, on
/// <see cref="Points"/> uniformly sampled points per mask (0: every pixel centre of the mask-logit grid), with the
/// same losses after every decoder layer when <see cref="AuxLoss"/>.
/// </summary>
public sealed record MaskLossConfig(
    double ClassWeight = 2,
    double MaskWeight = 5,
    double DiceWeight = 5,
    double NoObjectWeight = 0.1,
    int Points = 256,
    bool AuxLoss = true,
    MatcherWeights? Matcher = null)
{
    /// <summary>The matching-cost weights (defaults to class 2, mask 5, dice 5).</summary>
    public MatcherWeights MatcherWeights => Matcher ?? new MatcherWeights();
}

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
        for (int i = 0; i < targets.Count; i++) targets[i].Validate(_numClasses, $"target of image {i}");
        double numMasks = Math.Max(1, targets.Sum(t => t.Count));
        using var scope = NewDisposeScope();
        var layers = _config.AuxLoss ? output.Layers : new[] { output.Layers[^1] };
        Tensor? total = null;
        (double C, double M, double D) last = default;
        IReadOnlyList<(int, int)[]> lastMatches = Array.Empty<(int, int)[]>();
        foreach (var layer in layers)
        {
            var (cls, mask, dice, matches) = LayerLoss(layer, targets, numMasks, generator);
            var weighted = _config.ClassWeight * cls + _config.MaskWeight * mask + _config.DiceWeight * dice;
            total = total is null ? weighted : total + weighted;
            last = (cls.item<float>(), mask.item<float>(), dice.item<float>());
            lastMatches = matches;
        }
        var result = total!;
        scope.MoveToOuter(result);
        return new MaskLossResult(result, last.C, last.M, last.D, lastMatches);
    }

    private (Tensor Class, Tensor Mask, Tensor Dice, (int, int)[][] Matches) LayerLoss(
        LayerPrediction layer, IReadOnlyList<InstanceTarget> targets, double numMasks, Generator? generator)
    {
        var cls = layer.ClassLogits;                                                        // [B, N, K+1]
        var masks = layer.MaskLogits;                                                       // [B, N, Hm, Wm]
        long b = cls.shape[0], n = cls.shape[1], hm = masks.shape[2], wm = masks.shape[3];
        var device = cls.device;
        var matches = new (int, int)[b][];
        var targetClasses = full(new[] { b, n }, (long)_numClasses, int64);                // "no object" everywhere ...
        var predPoints = new List<Tensor>();
        var tgtPoints = new List<Tensor>();
        var pointWeights = new List<Tensor>();
        for (int i = 0; i < b; i++)
        {
            var t = targets[i];
            long m = t.Count;
            var matchPoints = _config.Points > 0
                ? PointSampler.Uniform(1, _config.Points, generator, device)[0]
                : PointSampler.PixelCentres(hm, wm, device);                                 // [P, 2]
            matches[i] = HungarianMatcher.MatchImage(cls[i], masks[i], t, matchPoints, _config.MatcherWeights);
            if (matches[i].Length == 0) continue;
            var qIdx = tensor(matches[i].Select(p => (long)p.Item1).ToArray(), device: device);
            var tIdx = tensor(matches[i].Select(p => (long)p.Item2).ToArray(), device: device);
            var classes = t.Classes.index_select(0, tIdx).cpu();
            targetClasses[i].index_copy_(0, qIdx.cpu(), classes);                           // ... except matched queries
            long k = matches[i].Length;
            var pts = _config.Points > 0
                ? PointSampler.Uniform(k, _config.Points, generator, device)                 // [k, P, 2] per mask
                : PointSampler.PixelCentres(hm, wm, device);                                 // [P, 2] shared
            predPoints.Add(PointSampler.Sample(masks[i].index_select(0, qIdx), pts));       // [k, P]
            tgtPoints.Add(PointSampler.Sample(t.Masks.to(float32).index_select(0, tIdx), pts));
            if (t.Ignore is not null)
            {
                var ignore = t.Ignore.to(float32).unsqueeze(0).expand(k, -1, -1);
                pointWeights.Add((1 - PointSampler.Sample(ignore, pts) >= 0.5).to(float32));
            }
            else pointWeights.Add(ones(k, _config.Points > 0 ? _config.Points : hm * wm, device: device));
        }

        // Weighted cross-entropy over all queries, normalised by the summed weights (PyTorch's weighted mean).
        var cw = Enumerable.Repeat(1f, _numClasses + 1).ToArray();
        cw[_numClasses] = (float)_config.NoObjectWeight;
        var classWeight = tensor(cw, device: device);                                       // [K+1]
        var tcDev = targetClasses.to(device);                                               // [B, N]
        var nll = -cls.log_softmax(-1).gather(2, tcDev.unsqueeze(2)).squeeze(2);             // [B, N]
        var wq = classWeight.index_select(0, tcDev.flatten()).view(b, n);
        var classLoss = (nll * wq).sum() / wq.sum();

        Tensor maskLoss, diceLoss;
        if (predPoints.Count == 0)
        {
            maskLoss = masks.sum() * 0;                                                     // keeps the graph for images without instances
            diceLoss = masks.sum() * 0;
        }
        else
        {
            var pl = cat(predPoints, 0);
            var tl = cat(tgtPoints, 0);
            var wl = cat(pointWeights, 0);
            maskLoss = MaskLosses.SigmoidBce(pl, tl, numMasks, wl);
            diceLoss = MaskLosses.Dice(pl, tl, numMasks, wl);
        }
        return (classLoss, maskLoss, diceLoss, matches);
    }
}
