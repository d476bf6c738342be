using System.CommandLine;
using System.Text.Json;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using MagvitSeg.Viz;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg reconstruct</c>: held-out reconstructions and metrics of a checkpoint's EMA tokenizer.</summary>
internal static class ReconstructCommand
{
    public static void Define(Command command)
    {
        var checkpoint = Opt.Required("--checkpoint", "a pretrain checkpoint (.ckpt); its EMA tokenizer is used", "C");
        var outDir = Opt.Required("--out", "where recon.png and metrics.json go", "DIR");
        // The same held-out MovingShapes clips as pretrain's periodic evaluation (seed 0 runs), unless told otherwise.
        var data = Common.Data("held-out clips: moving-shapes, videos:DIR, frames:DIR, mixed, mixed:DIR or procedural");
        var batches = Opt.Int("--batches", "held-out batches", Bound.AtLeast(1), 2);
        var batch = Opt.Int("--batch", "clips per batch", Bound.AtLeast(1), 2);
        var seed = Opt.Int("--seed", "the held-out clips' seed (default: pretrain's held-out seed)", Bound.AtLeast(0));
        var device = Common.Device("auto");
        command.AddAll(checkpoint, outDir, data, batches, batch, seed, device);
        command.SetAction(p => Run(p.GetRequiredValue(checkpoint), p.GetRequiredValue(outDir), p.GetValue(data)!, p.GetValue(batches), p.GetValue(batch),
                                   p.GetValue(seed) ?? TokenizerRun.HeldOutSeedOffset, p.GetValue(device)!));
    }

    private static int Run(string checkpoint, string outDir, string data, int batches, int batch, long seed, string device)
    {
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
