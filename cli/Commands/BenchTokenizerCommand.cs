using MagvitSeg.Config;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg bench tokenizer</c>: training and encoding clips/s and peak RSS for the tiny and cpu profiles.</summary>
internal static class BenchTokenizerCommand
{
    public static int Run(Args args)
    {
        int steps = args.GetInt("steps", 5);
        string device = args.Get("device", "cpu");
        string profiles = args.Get("profiles", "tiny,cpu");
        int threads = args.GetInt("threads", 1); // as pretrain's CPU default; 0 = libtorch default
        args.EnsureAllUsed();
        TorchRuntime.SetThreads(threads);
        var dev = TorchRuntime.ResolveDevice(device);
        Console.WriteLine($"{TorchRuntime.Describe()}; device {dev}; {steps} timed steps per profile");
        Console.WriteLine($"{"profile",-10} {"batch",5} {"train clips/s",14} {"encode clips/s",15} {"peak RSS MiB",13} {"RSS@10% MiB",12} {"RSS@end MiB",12}");
        foreach (string name in profiles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var r = TokenizerBenchmark.Run(TokenizerProfile.Get(name), dev, steps);
            Console.WriteLine($"{r.Profile,-10} {r.BatchSize,5} {r.TrainClipsPerSecond,14:F2} {r.EncodeClipsPerSecond,15:F2} {r.PeakRssMiB,13:F0} {r.EarlyRssMiB,12:F0} {r.EndRssMiB,12:F0}");
        }
        return 0;
    }
}
