using System.Text.Json;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using MagvitSeg.Viz;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg reconstruct</c>: held-out reconstructions and metrics of a checkpoint's EMA tokenizer.</summary>
internal static class ReconstructCommand
{
    public static int Run(Args args)
    {
        string checkpoint = args.Require("checkpoint");
        string outDir = args.Require("out");
        // The same held-out MovingShapes clips as pretrain's periodic evaluation (seed 0 runs), unless told otherwise.
        string data = args.Get("data", "moving-shapes");
        int batches = args.GetInt("batches", 2);
        int batch = args.GetInt("batch", 2);
        long seed = args.GetInt("seed", (int)TokenizerRun.HeldOutSeedOffset);
        string device = args.Get("device", "auto");
        args.EnsureAllUsed();
        var source = ClipSources.Open(data);
        var dev = TorchRuntime.ResolveDevice(device);
        using var model = TokenizerCheckpoint.LoadEmaModel(checkpoint, dev);
        Directory.CreateDirectory(outDir);
        string figure = Path.Combine(outDir, "recon.png");
        var result = TokenizerEvaluator.Evaluate(model, source(model.Config, seed), batches, batch, (x, y) =>
        {
            ImageGrid.Reconstruction(x, y, maxClips: 2).Save(figure);
            x.Dispose();
            y.Dispose();
        });
        // What the token grid alone would keep: each token's exact mean colour per frame, at the model's stride and at
        // half of it. A tokenizer near the first keeps little inside a token; above the second it resolves sub-token edges.
        int stride = model.Config.SpatialFactor;
        var reference = new[] { stride, stride / 2 }.Where(k => k >= 1).Distinct()
            .ToDictionary(k => $"{k}x{k}", k => TokenizerEvaluator.BlockMeanPsnr(source(model.Config, seed), batches, batch, k));
        string json = JsonSerializer.Serialize(new
        {
            result.Psnr, result.Ssim, result.Perplexity, result.Usage, result.ReconL2, BlockMeanPsnr = reference,
        }, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), json);
        Console.WriteLine(json);
        Console.WriteLine($"figure: {figure}");
        return 0;
    }
}
