using System.Text.Json;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

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
            ReconstructionGrid.Save(x, y, figure);
            x.Dispose();
            y.Dispose();
        });
        string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(Path.Combine(outDir, "metrics.json.tmp"), json);
        File.Move(Path.Combine(outDir, "metrics.json.tmp"), Path.Combine(outDir, "metrics.json"), overwrite: true);
        Console.WriteLine(json);
        Console.WriteLine($"figure: {figure}");
        return 0;
    }
}
