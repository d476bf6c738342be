using MagvitSeg.Data;
using MagvitSeg.Evaluation;
using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>Held-out reconstruction quality of a tokenizer.</summary>
/// <param name="Psnr">Mean per-frame PSNR (dB), frames mapped to [0, 1].</param>
/// <param name="Ssim">Mean per-frame SSIM.</param>
/// <param name="Perplexity">exp(entropy) of the code histogram over all held-out tokens.</param>
/// <param name="Usage">Codes used at least once over the held-out tokens.</param>
/// <param name="ReconL2">Mean squared error in [-1, 1] units.</param>
public sealed record TokenizerEvalResult(double Psnr, double Ssim, double Perplexity, int Usage, double ReconL2);

/// <summary>Runs a tokenizer over held-out clips under no_grad in eval mode; restores the previous mode afterwards.</summary>
public static class TokenizerEvaluator
{
    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="batches"/> batches of <paramref name="heldOut"/>
    /// (batch i is <c>heldOut.Batch(i, batchSize)</c>); <paramref name="firstBatch"/> receives the first input and
    /// reconstruction (CPU) for a figure.
    /// </summary>
    public static TokenizerEvalResult Evaluate(Magvit3dVqvae model, IClipSource heldOut, int batches, int batchSize,
        Action<Tensor, Tensor>? firstBatch = null)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            var device = model.parameters().First().device;
            var counts = zeros(new long[] { model.Config.CodebookSize }, dtype: int64, device: device);
            double psnr = 0, ssim = 0, l2 = 0;
            long frames = 0;
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                var x = heldOut.Batch(i, batchSize).to(device);                 // [B, 3, T, H, W]
                var enc = model.Encode(x);
                var y = model.Decode(enc.Quantized).clamp(-1, 1);               // [B, 3, T, H, W]
                counts.add_(bincount(enc.Indices.flatten(), minlength: model.Config.CodebookSize));
                var fx = ReconstructionMetrics.ClipToUnitFrames(x);
                var fy = ReconstructionMetrics.ClipToUnitFrames(y);
                psnr += ReconstructionMetrics.Psnr(fx, fy).clamp_max(100).sum().item<float>();
                if (fx.shape[2] >= 11 && fx.shape[3] >= 11) ssim += ReconstructionMetrics.Ssim(fx, fy).sum().item<float>();
                else ssim = double.NaN;
                l2 += (y - x).square().mean().item<float>() * fx.shape[0];
                frames += fx.shape[0];
                if (i == 0 && firstBatch is not null)
                {
                    var (xc, yc) = (x.cpu().clone(), y.cpu().clone());
                    scope.MoveToOuter(xc, yc); // the receiver owns (and disposes) them
                    firstBatch(xc, yc);
                }
            }
            var p = counts.to_type(float64) / counts.sum();
            double perplexity = (-(p * (p + 1e-10).log()).sum()).exp().item<double>();
            int usage = (int)counts.gt(0).sum().item<long>();
            counts.Dispose();
            return new TokenizerEvalResult(psnr / frames, ssim / frames, perplexity, usage, l2 / frames);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// Mean per-frame PSNR of <see cref="ReconstructionMetrics.BlockMeans"/> on the same held-out batches as
    /// <see cref="Evaluate"/>: the reference a tokenizer of spatial stride <paramref name="block"/> is read against.
    /// </summary>
    public static double BlockMeanPsnr(IClipSource heldOut, int batches, int batchSize, int block)
    {
        double psnr = 0;
        long frames = 0;
        for (int i = 0; i < batches; i++)
        {
            using var scope = NewDisposeScope();
            var f = ReconstructionMetrics.ClipToUnitFrames(heldOut.Batch(i, batchSize));
            psnr += ReconstructionMetrics.Psnr(f, ReconstructionMetrics.BlockMeans(f, block)).clamp_max(100).sum().item<float>();
            frames += f.shape[0];
        }
        return psnr / frames;
    }
}
