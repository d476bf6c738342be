using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Runtime;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>curves</c>: the study as label-efficiency curves per probe (issue 21) on the study's cached features, with paired
/// bootstrap intervals; reuses the study folder's features and head runs and its own finished runs.
/// </summary>
internal static class CurvesCommand
{
    public static void Define(Command command)
    {
        var profile = Common.StudyProfileOption("tiny", "the study profile whose features, heads and budgets the curves use");
        var arms = Opt.Text("--arms", "arms to compare, comma-separated (default: the profile's, e.g. a,b,c,d)", "a,b,..");
        StudyOptions.CheckVariants(arms);
        var probes = Opt.Text("--probes", "probes, comma-separated: linear, mlp, query (default: all three)", "linear,mlp,query");
        probes.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            try { CurvesProfile.ParseProbes(r.Tokens[0].Value.Split(',')); }
            catch (ArgumentException e) { r.AddError($"--probes '{r.Tokens[0].Value}': {e.Message}"); }
        });
        var budgets = Opt.List<int>("--train-images", "label budgets: labelled training stills per run (default: the profile's)", "50,250,..", "a positive integer",
            s => Opt.ParseNonNegativeInt(s) is { } v && v > 0 ? v : null);
        var seeds = Opt.List<int>("--seeds", "seeds to run, comma-separated (default: the profile's)", "0,1,2", "a non-negative integer", Opt.ParseNonNegativeInt);
        var outDir = Opt.Text("--out", "output folder (default: results/<profile>/curves)", "DIR");
        var study = Opt.Text("--study", "the study folder whose features and heads are reused (default: results/<profile>/study)", "DIR");
        var tokenizer = Opt.Text("--tokenizer", "the video tokenizer run folder or one checkpoint", "DIR|FILE.ckpt");
        var imageTokenizer = Opt.Text("--image-tokenizer", "the image-only tokenizer run folder", "DIR");
        var resamples = Opt.Int("--resamples", "bootstrap resamples of the evaluation images (default: the profile's, 1000)", Bound.AtLeast(1));
        var device = Common.Device("auto");
        var threads = Common.Threads("1 on CPU, libtorch's on GPU");
        var jobs = Common.Jobs("runs");
        command.AddAll(profile, arms, probes, budgets, seeds, outDir, study, tokenizer, imageTokenizer, resamples, device, threads, jobs);
        command.SetAction(p => Run(p, profile, arms, probes, budgets, seeds, outDir, study, tokenizer, imageTokenizer, resamples, device, threads, jobs));
    }

    private static int Run(ParseResult p, Option<string?> profileOpt, Option<string?> armsOpt, Option<string?> probesOpt, Option<int[]?> budgetsOpt,
        Option<int[]?> seedsOpt, Option<string?> outOpt, Option<string?> studyOpt, Option<string?> tokOpt, Option<string?> tok2Opt,
        Option<int?> resamplesOpt, Option<string?> deviceOpt, Option<int?> threadsOpt, Option<int?> jobsOpt)
    {
        string profileName = p.GetValue(profileOpt)!;
        var study = StudyProfile.Get(profileName);
        CurvesProfile curves;
        try { curves = CurvesProfile.Get(profileName); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var arms = StudyVariant.Parse((p.GetValue(armsOpt) ?? string.Join(',', curves.Arms)).Split(','));
        var probes = p.GetValue(probesOpt) is { } pr ? CurvesProfile.ParseProbes(pr.Split(',')) : curves.Probes;
        var budgets = p.GetList(budgetsOpt) ?? curves.Budgets;
        var seeds = p.GetList(seedsOpt) ?? study.Seeds;
        int resamples = p.GetValue(resamplesOpt) ?? curves.Resamples;
        curves = curves with { Resamples = resamples };
        string outDir = p.GetValue(outOpt) ?? RepoPaths.Results(study.Name, "curves");
        var paths = StudyPaths.Default(study.Name, p.GetValue(studyOpt));
        if (p.GetValue(tokOpt) is { } tok) paths = paths with { Tokenizer = tok };
        if (p.GetValue(tok2Opt) is { } tok2) paths = paths with { ImageTokenizer = tok2 };
        var device = TorchRuntime.ResolveDevice(p.GetValue(deviceOpt));
        // One intra-op thread on CPU by default, as the study: repeatable numbers for a seed.
        TorchRuntime.SetThreads(p.GetValue(threadsOpt) ?? (device.type == TorchSharp.DeviceType.CPU ? 1 : 0));
        int jobs = p.GetValue(jobsOpt) ?? Common.DefaultJobs(device);
        Console.WriteLine($"{TorchRuntime.Describe()}; device {device}");
        Console.WriteLine($"curves {study.Name}: arms {string.Join(",", arms.Select(a => a.Id))}, probes {string.Join(",", probes.Select(CurvesProfile.NameOf))}, " +
                          $"budgets {string.Join(",", budgets)}, seeds {string.Join(",", seeds)}, {resamples} resamples, {jobs} at a time; study folder {paths.Root}; out {outDir}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var runner = new StudyRunner(study, paths, device, Console.WriteLine);
        var result = new CurvesRunner(runner, curves, outDir, Console.WriteLine) { Jobs = jobs }.Run(arms, probes, budgets, seeds);
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
}
