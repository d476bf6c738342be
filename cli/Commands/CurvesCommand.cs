using System.Globalization;
using MagvitSeg.Runtime;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>curves</c>: the study as label-efficiency curves per probe (issue 21) on the study's cached features, with paired
/// bootstrap intervals; reuses the study folder's features and head runs and its own finished runs.
/// </summary>
internal static class CurvesCommand
{
    public const string Help = "probe capacity x label budget with paired bootstrap intervals -> curves.csv, differences.csv, curves.json, figures: "
        + "--profile tiny|cpu|gpu [--arms a,b,c,d] [--probes linear,mlp,query] [--train-images 50,250,1000,5000] [--seeds 0,1,2] [--out DIR] "
        + "[--study DIR (features and heads to reuse; default results/<profile>/study)] [--tokenizer DIR|FILE.ckpt] [--image-tokenizer DIR] [--resamples N] [--device D] [--threads N]";

    public static int Run(Args args)
    {
        string profileName = args.Get("profile", "tiny");
        StudyProfile study;
        CurvesProfile curves;
        try { study = StudyProfile.Get(profileName); curves = CurvesProfile.Get(profileName); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        List<StudyVariant> arms;
        CurveProbe[] probes;
        try
        {
            arms = StudyVariant.Parse((args.Get("arms") ?? string.Join(',', curves.Arms)).Split(','));
            probes = args.Get("probes") is { } p ? CurvesProfile.ParseProbes(p.Split(',')) : curves.Probes;
        }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var budgets = Ints("train-images", args.Get("train-images")) ?? curves.Budgets;
        var seeds = Ints("seeds", args.Get("seeds")) ?? study.Seeds;
        int resamples = args.GetInt("resamples", curves.Resamples);
        if (resamples < 1) throw new CliException($"--resamples {resamples}: give at least 1 (the intervals use 1000 by default).");
        curves = curves with { Resamples = resamples };
        string outDir = args.Get("out") ?? RepoPaths.Results(study.Name, "curves");
        var paths = StudyPaths.Default(study.Name, args.Get("study"));
        if (args.Get("tokenizer") is { } tok) paths = paths with { Tokenizer = tok };
        if (args.Get("image-tokenizer") is { } tok2) paths = paths with { ImageTokenizer = tok2 };
        var device = TorchRuntime.ResolveDevice(args.Get("device", "auto"));
        // One intra-op thread on CPU by default, as the study: repeatable numbers for a seed.
        int threads = args.GetInt("threads", -1);
        TorchRuntime.SetThreads(threads >= 0 ? threads : device.type == TorchSharp.DeviceType.CPU ? 1 : 0);
        args.EnsureAllUsed();
        Console.WriteLine($"{TorchRuntime.Describe()}; device {device}");
        Console.WriteLine($"curves {study.Name}: arms {string.Join(",", arms.Select(a => a.Id))}, probes {string.Join(",", probes.Select(CurvesProfile.NameOf))}, " +
                          $"budgets {string.Join(",", budgets)}, seeds {string.Join(",", seeds)}, {resamples} resamples; study folder {paths.Root}; out {outDir}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var runner = new StudyRunner(study, paths, device, Console.WriteLine);
        var result = new CurvesRunner(runner, curves, outDir, Console.WriteLine).Run(arms, probes, budgets, seeds);
        Console.WriteLine();
        Console.WriteLine($"{"probe",-7} {"arm",4} {"n",6} {"AP",20} {"mIoU",20}   (mean over seeds [95% bootstrap interval])");
        foreach (var g in result.Levels.GroupBy(l => (l.Probe, l.Arm, l.TrainImages)))
        {
            string Cell(string metric) => g.FirstOrDefault(l => l.Metric == metric) is { } l ? $"{l.Mean:F1} [{l.Low:F1}, {l.High:F1}]" : "";
            Console.WriteLine($"{g.Key.Probe,-7} {g.Key.Arm,4} {g.Key.TrainImages,6} {Cell(CurvesIntervals.AP),20} {Cell(CurvesIntervals.MIoU),20}");
        }
        Console.WriteLine();
        foreach (var d in result.Differences)
            Console.WriteLine($"{d.Pair,-6} {d.Probe,-7} n={d.TrainImages,-6} {d.Metric,-5} {d.Mean,7:F2} [{d.Low:F2}, {d.High:F2}]");
        Console.WriteLine();
        Console.WriteLine($"curves: {Path.Combine(outDir, "curves.csv")}, differences.csv, curves.json, figures/ ({sw.Elapsed:hh\\:mm\\:ss})");
        return 0;
    }

    private static int[]? Ints(string option, string? s) => s?.Split(',').Select(x =>
        int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new CliException($"--{option} '{s}': expected comma-separated integers, e.g. 0,1,2")).ToArray();
}
