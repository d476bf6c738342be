using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench eval [--images 1000] [--iou-type segm|bbox|both] [--repeats 3] [--warmup 3]</c>: the evaluator's
/// speed target. Each IoU type is first evaluated for --warmup seconds: the tiered JIT promotes a method only after its
/// calls have been counted, and with one warm-up run some of the timed runs still executed unoptimised code (about 15 %
/// slower on segm).
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
        command.AddAll(images, which, repeats, warmup);
        command.SetAction(p => Run(p.GetValue(images), p.GetValue(which)!, p.GetValue(repeats), p.GetValue(warmup)));
    }

    private static int Run(int images, string which, int repeats, double warmup)
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
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB; {Environment.ProcessorCount} cores");
        return 0;
    }
}
