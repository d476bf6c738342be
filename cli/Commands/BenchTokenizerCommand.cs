using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg bench tokenizer</c>: training and encoding clips/s and peak RSS for the tiny and cpu profiles.</summary>
internal static class BenchTokenizerCommand
{
    public static void Define(Command command)
    {
        var steps = Opt.Int("--steps", "timed steps per profile", Bound.AtLeast(1), 5);
        var device = Common.Device("cpu");
        var profiles = Opt.Text("--profiles", "tokenizer profiles, comma-separated", "P,Q", "tiny,cpu");
        profiles.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            foreach (string name in Split(r.Tokens[0].Value))
            {
                try { TokenizerProfile.Get(name); }
                catch (ArgumentException e) { r.AddError($"--profiles '{r.Tokens[0].Value}': {e.Message}"); return; }
            }
        });
        var threads = Opt.Int("--threads", "libtorch intra-op threads (as pretrain's CPU default), 0 = libtorch's default", Bound.AtLeast(0), 1);
        command.AddAll(steps, device, profiles, threads);
        command.SetAction(p => Run(p.GetValue(steps), p.GetValue(device)!, p.GetValue(profiles)!, p.GetValue(threads)));
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int Run(int steps, string device, string profiles, int threads)
    {
        TorchRuntime.SetThreads(threads);
        var dev = TorchRuntime.ResolveDevice(device);
        Console.WriteLine($"{TorchRuntime.Describe()}; device {dev}; {steps} timed steps per profile");
        Console.WriteLine($"{"profile",-10} {"batch",5} {"train clips/s",14} {"encode clips/s",15} {"peak RSS MiB",13} {"RSS@10% MiB",12} {"RSS@end MiB",12}");
        foreach (string name in Split(profiles))
        {
            var r = TokenizerBenchmark.Run(TokenizerProfile.Get(name), dev, steps);
            Console.WriteLine($"{r.Profile,-10} {r.BatchSize,5} {r.TrainClipsPerSecond,14:F2} {r.EncodeClipsPerSecond,15:F2} {r.PeakRssMiB,13:F0} {r.EarlyRssMiB,12:F0} {r.EndRssMiB,12:F0}");
        }
        return 0;
    }
}
