using System.CommandLine;
using System.Diagnostics;
using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Runtime;
using MagvitSeg.Study;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>bench head</c>: seconds per head training step (forward, matching, losses, backward, AdamW) on random features.</summary>
internal static class BenchHeadCommand
{
    public static void Define(Command command)
    {
        var profile = Opt.Named("--profile", "the head's size", "tiny|cpu|gpu", () => StudyProfile.All.Select(p => p.Name), n => MaskHeadConfig.Named(n), "cpu");
        var batch = Opt.Int("--batch", "images per step", Bound.AtLeast(1), 8);
        var steps = Opt.Int("--steps", "timed steps (after 2 warm-up steps)", Bound.AtLeast(1), 10);
        var grid = Opt.Int("--grid", "feature map side", Bound.AtLeast(1), 16);
        var channels = Opt.Int("--channels", "feature channels", Bound.AtLeast(1), 256);
        var classes = Opt.Int("--classes", "categories", Bound.AtLeast(1), 80);
        var instances = Opt.Int("--instances", "instances per image", Bound.AtLeast(0), 5);
        var points = Opt.Int("--points", "sampled points per mask in the loss", Bound.AtLeast(1), 256);
        // The study's own shapes differ from the default workload: cpu (a) is 16x32,32x16,32x16 at 64x64 with 8 classes.
        var levels = Opt.List<(int Channels, int Side)>("--levels", "feature levels, finest first (replaces --channels/--grid)", "CxS,..",
                                                        "channels x side, e.g. 16x32", ParseLevel);
        var size = Opt.Int("--size", "image (target mask) side (default: 8 x the finest side)", Bound.AtLeast(1));
        var threads = Opt.Int("--threads", "libtorch intra-op threads, 0 = libtorch's default", Bound.AtLeast(0), 0);
        var device = Common.Device("auto");
        command.AddAll(profile, batch, steps, grid, channels, levels, size, classes, instances, points, threads, device);
        command.SetAction(p => Run(p.GetValue(profile)!, p.GetValue(batch), p.GetValue(steps),
                                   p.GetList(levels) ?? new[] { (p.GetValue(channels), p.GetValue(grid)) }, p.GetValue(size), p.GetValue(classes),
                                   p.GetValue(instances), p.GetValue(points), p.GetValue(threads), p.GetValue(device)!));
    }

    private static (int, int)? ParseLevel(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2 && Opt.ParseNonNegativeInt(parts[0]) is > 0 and var c && Opt.ParseNonNegativeInt(parts[1]) is > 0 and var s
            ? (c, s) : null;
    }

    private static int Run(string profile, int batch, int steps, (int Channels, int Side)[] levels, int? sizeOption, int classes, int instances,
        int points, int threads, string deviceName)
    {
        TorchRuntime.SetThreads(threads);
        var device = TorchRuntime.ResolveDevice(deviceName);
        var head = MaskHeadConfig.Named(profile);
        using var trainer = HeadTrainer.Create(levels.Select(l => (long)l.Channels).ToArray(), classes, head, new HeadTrainConfig(Steps: steps + 2),
                                               new MaskLossConfig(Points: points), device);
        int size = sizeOption ?? levels[0].Side * 8;
        var feats = levels.Select(l => randn(new long[] { batch, l.Channels, l.Side, l.Side })).ToArray();
        var targets = Enumerable.Range(0, batch).Select(_ =>
            new InstanceTarget(rand(new long[] { instances, size, size }) > 0.7, randint(classes, new long[] { instances }))).ToList();
        Console.WriteLine($"{TorchRuntime.Describe()}");
        Console.WriteLine($"head {profile} ({trainer.Head.ParameterCount():N0} params), batch {batch}, features {string.Join(" + ", levels.Select(l => $"{l.Channels}x{l.Side}x{l.Side}"))}, " +
                          $"{classes} classes, {instances} instances/image at {size}x{size}, {points} points, device {device}");
        for (int i = 0; i < 2; i++) trainer.TrainStep(feats, targets);                      // warm-up
        var phases = trainer.Phases = new HeadStepPhases();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) trainer.TrainStep(feats, targets);
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
        double per = sw.Elapsed.TotalSeconds / steps;
        Console.WriteLine($"{per * 1000:F1} ms/step, {batch / per:F1} images/s");
        // On a GPU the phases measure launch time, not kernel time (only the end synchronises).
        string Ms(double seconds) => $"{seconds / phases.Steps * 1000:F1} ms";
        Console.WriteLine($"per step: forward {Ms(phases.Forward)}, loss (matching + losses) {Ms(phases.Loss)}, " +
                          $"backward {Ms(phases.Backward)}, clip + AdamW {Ms(phases.Optimizer)}");
        return 0;
    }
}
