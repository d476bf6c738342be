using System.Diagnostics;
using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>bench head</c>: seconds per head training step (forward, matching, losses, backward, AdamW) on random features.</summary>
internal static class BenchHeadCommand
{
    internal static int Run(Args args)
    {
        string profile = args.Get("profile", "cpu");
        int batch = args.GetInt("batch", 8);
        int steps = args.GetInt("steps", 10);
        int grid = args.GetInt("grid", 16);
        int channels = args.GetInt("channels", 256);
        int classes = args.GetInt("classes", 80);
        int instances = args.GetInt("instances", 5);
        int points = args.GetInt("points", 256);
        int threads = args.GetInt("threads", 0);
        string deviceName = args.Get("device", "auto");
        args.EnsureAllUsed();
        if (batch < 1 || steps < 1 || grid < 1 || channels < 1 || classes < 1 || instances < 0)
            throw new CliException("--batch, --steps, --grid, --channels and --classes must be positive, --instances non-negative");

        TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.ResolveDevice(deviceName);
        var head = MaskHeadConfig.Named(profile);
        using var trainer = HeadTrainer.Create(new long[] { channels }, classes, head, new HeadTrainConfig(Steps: steps + 2), new MaskLossConfig(Points: points), device);
        int size = grid * 8;
        var feats = new[] { randn(new long[] { batch, channels, grid, grid }) };
        var targets = Enumerable.Range(0, batch).Select(_ =>
            new InstanceTarget(rand(new long[] { instances, size, size }) > 0.7, randint(classes, new long[] { instances }))).ToList();
        Console.WriteLine($"{TorchRuntime.Describe()}");
        Console.WriteLine($"head {profile} ({trainer.Head.ParameterCount():N0} params), batch {batch}, features {channels}x{grid}x{grid}, " +
                          $"{classes} classes, {instances} instances/image at {size}x{size}, {points} points, device {device}");
        for (int i = 0; i < 2; i++) trainer.TrainStep(feats, targets);                      // warm-up
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) trainer.TrainStep(feats, targets);
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
        double per = sw.Elapsed.TotalSeconds / steps;
        Console.WriteLine($"{per * 1000:F1} ms/step, {batch / per:F1} images/s");
        return 0;
    }
}
