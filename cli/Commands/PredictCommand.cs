using System.CommandLine;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg predict --variant ID --seed K</c>: runs a trained head on the val split -> predictions.json, eval.txt.</summary>
internal static class PredictCommand
{
    public static void Define(Command command)
    {
        var variant = StudyOptions.Variant();
        var seed = StudyOptions.Seed();
        var common = new StudyOptions();
        command.AddAll(variant, seed);
        common.AddTo(command);
        command.SetAction(p => Predict(common.Open(p), StudyVariant.Parse(new[] { p.GetRequiredValue(variant) })[0], p.GetValue(seed)));
    }

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
