using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Study;
using MagvitSeg.Viz;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg study</c>: every variant at every seed -> study.csv/json, the table and the figures. <c>extract</c>,
/// <c>train-head</c> and <c>predict</c> run one stage of one variant in the same study folder (so a later <c>study</c>
/// reuses what they left); all four share <see cref="StudyOptions"/>.
/// </summary>
internal static class StudyCommand
{
    public static void Define(Command command)
    {
        var variants = StudyOptions.Variants();
        var seeds = Opt.List<int>("--seeds", "seeds to run, comma-separated (default: the profile's)", "0,1,2", "a non-negative integer", Opt.ParseNonNegativeInt);
        var jobs = Common.Jobs("frozen-encoder heads");
        var common = new StudyOptions();
        command.AddAll(variants, seeds, jobs);
        common.AddTo(command);
        command.SetAction(p => Study(common.Open(p), p.GetValue(variants), p.GetList(seeds), p.GetValue(jobs)));
    }

    private static int Study(StudyRunner opened, string? variants, int[]? seeds, int? jobs)
    {
        using var runner = opened;
        runner.Jobs = jobs ?? Common.DefaultJobs(runner.Device);
        var rows = runner.Run(variants is null ? null : StudyVariant.Parse(variants.Split(',')), seeds);
        Console.WriteLine();
        Console.WriteLine($"{"variant",-8} {"seeds",5} {"AP",12} {"AP50",6} {"AP75",6} {"APs",6} {"APm",6} {"APl",6} {"mIoU",12} {"AP no-cls",10} {"train s",8}  description");
        foreach (var s in StudyTable.Summarise(rows))
            Console.WriteLine($"{s.Variant,-8} {s.Seeds,5} {$"{s.AP:F1}±{s.APStd:F1}",12} {s.AP50,6:F1} {s.AP75,6:F1} {s.APs,6:F1} {s.APm,6:F1} {s.APl,6:F1} " +
                              $"{$"{s.MIoU:F1}±{s.MIoUStd:F1}",12} {s.APAgnostic,10:F1} {s.TrainSeconds,8:F0}  {s.Description}");
        Console.WriteLine();
        Console.WriteLine($"study table: {Path.Combine(runner.Paths.Root, "study.csv")} (and study.json)");
        Console.WriteLine($"per-run outputs (head.pt, metrics.csv, predictions.json, eval.txt): {Path.Combine(runner.Paths.Root, "runs")}");
        if (rows.Count > 0)
        {
            // The figures of the table and of one run: the proposal (a) at its first seed when it ran, else the first row.
            var shown = rows.FirstOrDefault(r => r.Variant == "a") ?? rows[0];
            var figures = new FigureFolder(StudyFigures.FolderOf(runner.Paths));
            var files = StudyFigures.WriteStudy(runner.Paths, runner.ValSet, figures, shown.Variant, shown.Seed);
            Console.WriteLine($"figures: {figures.Directory} ({string.Join(", ", files.Select(Path.GetFileName))})");
        }
        return 0;
    }
}
