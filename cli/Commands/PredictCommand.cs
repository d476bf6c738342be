using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg predict --variant ID --seed K</c>: runs a trained head on the val split -> predictions.json, eval.txt.</summary>
internal static class PredictCommand
{
    public static void Define(Command command) => StudyOptions.DefineOneStage(command, Predict);

    private static int Predict(StudyRunner opened, StudyVariant variant, int seed)
    {
        using var runner = opened;
        var r = runner.EvaluateHead(variant, seed);
        string dir = runner.Paths.Run(r.Variant, r.Seed);
        Console.WriteLine(File.ReadAllText(Path.Combine(dir, "eval.txt")));
        Console.WriteLine($"predictions: {Path.Combine(dir, "predictions.json")}");
        return 0;
    }
}
