using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench eval [--images 1000] [--iou-type segm|bbox|both] [--repeats 3] [--warmup 3] [--cold 3] [--dir D]</c>:
/// the evaluator's speed target. Each IoU type is first evaluated for --warmup seconds: the tiered JIT promotes a method
/// only after its calls have been counted, and with one warm-up run some of the timed runs still executed unoptimised
/// code (about 15 % slower on segm). Then the workload is written to --dir as gt.json/dt.json and timed as a user runs
/// it: --cold fresh <c>magvitseg eval</c> processes, alternated with fresh pycocotools processes where python3 has it.
/// </summary>
internal static class BenchEvalCommand
{
    // pycocotools on this project's 2-core machine for the same workload shape (../shared/coco-parity/pycocotools-timing.md).
    private static readonly Dictionary<IouType, double> Pycocotools = new() { [IouType.Segm] = 4.78, [IouType.Bbox] = 4.11 };

    public static void Define(Command command)
    {
        var images = Opt.Int("--images", "images in the synthetic workload", Bound.AtLeast(1), 1000);
        var which = Opt.Choice("--iou-type", "which evaluations to time", "both", "segm", "bbox", "both");
        var repeats = Opt.Int("--repeats", "timed runs per IoU type (the median is reported)", Bound.AtLeast(1), 3);
        var warmup = Opt.Double("--warmup", "seconds of warm-up per IoU type", Bound.AtLeast(0), 3);
        var cold = Opt.Int("--cold", "fresh 'magvitseg eval' processes timed per IoU type (0: none)", Bound.AtLeast(0), 3);
        var dir = Opt.Text("--dir", "folder for the workload's gt.json / dt.json (default: a temp folder)", "DIR");
        command.AddAll(images, which, repeats, warmup, cold, dir);
        command.SetAction(p =>
        {
            int n = p.GetValue(images);
            return Run(n, p.GetValue(which)!, p.GetValue(repeats), p.GetValue(warmup), p.GetValue(cold),
                p.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), $"magvitseg-bench-eval-{n}"));
        });
    }

    private static int Run(int images, string which, int repeats, double warmup, int cold, string dir)
    {
        var sw = Stopwatch.StartNew();
        var (gt, dt) = CocoWorkload.Generate(images);
        Console.WriteLine($"workload: {gt.Images.Count} images, {gt.Annotations.Count} GT, {dt.Count} detections (generated in {sw.Elapsed.TotalSeconds:F1} s)");
        var types = which switch { "segm" => new[] { IouType.Segm }, "bbox" => new[] { IouType.Bbox }, "both" => new[] { IouType.Segm, IouType.Bbox }, _ => throw new CliException("--iou-type must be segm, bbox or both") };
        foreach (var t in types)
        {
            var warm = Stopwatch.StartNew();
            do _ = new CocoEvaluator(gt, dt, t).Run().SummaryText(); while (warm.Elapsed.TotalSeconds < warmup);
            var runs = new List<(double Total, double Evaluate, double Cpu)>();
            double ap = 0;
            for (int r = 0; r < repeats; r++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var s = Stopwatch.StartNew();
                var ev = new CocoEvaluator(gt, dt, t);
                ev.Evaluate();
                double evaluate = s.Elapsed.TotalSeconds;
                var result = ev.Accumulate();
                _ = result.SummaryText();
                s.Stop();
                // CPU seconds of the whole process: on a shared machine the wall clock also counts time spent waiting.
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                runs.Add((s.Elapsed.TotalSeconds, evaluate, cpuSeconds));
                ap = result.Stats[0];
            }
            runs.Sort();
            var (median, medianEvaluate, medianCpu) = runs[runs.Count / 2];
            string vs = images == 1000 ? $", {Pycocotools[t] / median:F1}x pycocotools' {Pycocotools[t]} s" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.ToString().ToLowerInvariant()}: evaluate+accumulate+summarize median {median:F3} s over {repeats} runs (min {runs[0].Total:F3}){vs}; AP {ap:F4}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  that run: evaluate {medianEvaluate:F3} s, accumulate+summarize {median - medianEvaluate:F3} s, {medianCpu:F3} CPU s"));
        }
        if (cold > 0) RunCold(gt, dt, types, cold, dir);
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB; {Environment.ProcessorCount} cores");
        return 0;
    }

    private static void RunCold(CocoDataset gt, List<CocoAnnotation> dt, IouType[] types, int runs, string dir)
    {
        Directory.CreateDirectory(dir);
        string gtPath = Path.Combine(dir, "gt.json"), dtPath = Path.Combine(dir, "dt.json");
        CocoJson.WriteInstances(gtPath, gt);
        CocoJson.WriteResults(dtPath, dt);
        string? missing = ColdEvalRuns.PycocotoolsMissing();
        Console.WriteLine($"cold processes on {gtPath} ({new FileInfo(gtPath).Length / 1e6:F0} MB) + {dtPath} ({new FileInfo(dtPath).Length / 1e6:F0} MB)" +
                          (missing is null ? ", alternated with pycocotools" : $"; no pycocotools side by side: {missing}"));
        foreach (var t in types)
        {
            string type = t.ToString().ToLowerInvariant();
            var ours = new List<double>();
            var theirs = new List<double>();
            string line = "";
            double theirAp = double.NaN;
            // Alternated, so a busy neighbour slows both sides alike.
            for (int r = 0; r < runs; r++)
            {
                var (s, first) = ColdEvalRuns.Ours(gtPath, dtPath, type);
                ours.Add(s); line = first;
                if (missing is null) { var (ps, ap) = ColdEvalRuns.Pycocotools(gtPath, dtPath, type); theirs.Add(ps); theirAp = ap; }
            }
            ours.Sort(); theirs.Sort();
            double median = ours[ours.Count / 2];
            string vs = theirs.Count > 0
                ? $"; pycocotools cold median {theirs[theirs.Count / 2]:F3} s (AP {theirAp:F4}), {theirs[theirs.Count / 2] / median:F1}x"
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{type} cold 'magvitseg eval': median {median:F3} s over {runs} processes (min {ours[0]:F3}){vs}"));
            Console.WriteLine($"  {line.Trim()}");
        }
    }
}
