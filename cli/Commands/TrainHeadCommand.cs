using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg train-head --variant ID --seed K</c>: trains one head in the study folder.</summary>
internal static class TrainHeadCommand
{
    public static void Define(Command command) => StudyOptions.DefineOneStage(command, TrainHead);

    private static int TrainHead(StudyRunner opened, StudyVariant variant, int seed)
    {
        using var runner = opened;
        var r = runner.TrainHead(variant, seed);
        Console.WriteLine($"({r.Variant}) seed {r.Seed}: trained in {r.Seconds:F0} s, final loss {r.FinalLoss:F4}; head: {runner.Paths.Run(r.Variant, r.Seed)}");
        return 0;
    }
}
