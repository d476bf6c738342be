using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg pretrain --profile tiny|cpu|gpu|magvit-b --data moving-shapes|videos:DIR|mixed --out DIR [--steps N] [--resume] [--force] [--device auto]</c>
/// </summary>
internal static class PretrainCommand
{
    public static int Run(Args args)
    {
        var cfg = TokenizerConfig.Profile(args.Get("profile", "tiny"));
        string data = args.Get("data", "moving-shapes");
        string outDir = args.Get("out", RepoPaths.Results(cfg.Name, "tokenizer"));
        if (args.Has("steps")) cfg = cfg with { Steps = args.GetInt("steps", cfg.Steps) };
        if (args.Has("lr")) cfg = cfg with { LearningRate = args.GetDouble("lr", cfg.LearningRate) };
        if (args.Has("seed")) cfg = cfg with { Seed = args.GetInt("seed", 0) };
        bool resume = args.Flag("resume"), force = args.Flag("force");
        var device = TorchRuntime.ResolveDevice(args.Get("device", "auto"));
        TorchRuntime.SetThreads(args.GetInt("threads", 0));
        args.EnsureAllUsed();

        var run = RunDirectory.Open(outDir, resume, force);
        var (source, held) = Sources(data, cfg);
        run.WriteConfig(new { command = "pretrain", tokenizer = cfg, data = source.Describe(), device = device.ToString(), runtime = TorchRuntime.Describe() });
        Console.WriteLine($"pretraining {cfg.Name} on {source.Describe()} -> {run.Root}");
        var trainer = new TokenizerTrainer(cfg, device);
        var r = trainer.Train(run, source, held, resume);
        Console.WriteLine($"done in {r.Seconds:F0} s: held-out PSNR {r.Psnr:F2} dB, SSIM {r.Ssim:F3}, perplexity {r.Perplexity:F1} ({r.CodeUsage:P0} of codes used)");
        Console.WriteLine($"metrics: {Path.Combine(run.Root, "metrics.csv")}; checkpoints: {Path.Combine(run.Root, "checkpoints")}; figures: {Path.Combine(run.Root, "figures")}");
        return 0;
    }

    /// <summary>The training source and a held-out batch for a --data value.</summary>
    internal static (IClipSource Source, TorchSharp.torch.Tensor HeldOut) Sources(string data, TokenizerConfig cfg)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = cfg.Size, Frames = cfg.Frames, Seed = cfg.Seed });
        var shapes = new MovingShapesSource(gen);
        var heldShapes = gen.Batch(0, 4, MovingShapesSplit.Val);
        if (data == "moving-shapes") return (shapes, heldShapes);
        string dir = data.StartsWith("videos:", StringComparison.Ordinal) ? data["videos:".Length..]
                   : data == "mixed" ? RepoPaths.SharedData("videos")
                   : throw new CliException($"--data must be moving-shapes, videos:DIR or mixed, got '{data}'");
        if (!Directory.Exists(dir)) throw new CliException($"video folder '{dir}' does not exist");
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".mp4") || f.EndsWith(".webm") || f.EndsWith(".avi")).OrderBy(f => f).ToList();
        var videos = new VideoClipSource(files, cfg.Frames, cfg.Size, stride: 1, seed: cfg.Seed);
        foreach (var (path, reason) in videos.Skipped) Console.WriteLine($"skipped {path}: {reason}");
        var held = videos.Next(4);
        videos.Position = 0;
        return data == "mixed" ? (new MixedSource(cfg.Seed, (shapes, 0.5), (videos, 0.5)), held) : (videos, held);
    }
}
