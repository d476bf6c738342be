using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Data;
using MagvitSeg.Data.Video;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench decode [--dir ../shared/data/videos --batches 40 --batch 8 --frames 16 --size 64 --work-ms 100 --depth 2]</c>:
/// real-video throughput. (1) ffmpeg decode of every video to the working size; (2) clip cutting from the decoded cache,
/// clips/s and frames/s; (3) a training-shaped loop (each step then "trains" for --work-ms) without and with the
/// background prefetch, reporting how long the loop waited for data.
/// </summary>
internal static class BenchDecodeCommand
{
    public static void Define(Command command)
    {
        var dir = Opt.Text("--dir", "the videos (default: ../shared/data/videos)", "D");
        var batches = Opt.Int("--batches", "batches per timed loop", Bound.AtLeast(1), 40);
        var batch = Opt.Int("--batch", "clips per batch", Bound.AtLeast(1), 8);
        var frames = Opt.Int("--frames", "frames per clip", Bound.AtLeast(1), 16);
        var size = Opt.Int("--size", "clip side in pixels", Bound.AtLeast(1), 64);
        var workMs = Opt.Int("--work-ms", "the simulated training step's busy time", Bound.AtLeast(0), 100);
        var depth = Opt.Int("--depth", "batches the prefetch keeps ready", Bound.AtLeast(1), 2);
        command.AddAll(dir, batches, batch, frames, size, workMs, depth);
        command.SetAction(p => Run(p.GetValue(dir) ?? RepoPaths.SharedData("videos"), p.GetValue(batches), p.GetValue(batch), p.GetValue(frames), p.GetValue(size),
                                   p.GetValue(workMs), p.GetValue(depth)));
    }

    private static int Run(string dir, int batches, int batch, int frames, int size, int workMs, int depth)
    {
        var sampling = new ClipSampling { Frames = frames, Height = size, Width = size, Stride = 2 };
        var files = VideoClipSource.Find(dir);
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);

        // (1) Decoding: every video through ffmpeg once, in parallel.
        var source = new VideoClipSource(files, sampling);
        var cpu = Cpu();
        var sw = Stopwatch.StartNew();
        int usable = source.Preload();
        double decodeS = sw.Elapsed.TotalSeconds, decodeCpu = Cpu() - cpu;
        long decodedFrames = Enumerable.Range(0, files.Count).Sum(i => (long)(source.Get(i)?.Frames ?? 0));
        Console.WriteLine($"decode: {usable}/{files.Count} videos, {decodedFrames} frames to short side {sampling.EffectiveWorkingShortSide} in {F(decodeS)} s " +
                          $"= {F(decodedFrames / decodeS)} frames/s (this process {F(decodeCpu)} CPU-s; ffmpeg runs as child processes)");
        foreach (var s in source.Skipped) Console.WriteLine($"  skipped {s.Item}: {s.Reason}");

        // (2) Cutting clips from the cache (crop, resize, [-1, 1]): the per-step cost once decoded.
        cpu = Cpu();
        sw.Restart();
        for (int k = 0; k < batches; k++) using (source.Batch(k, batch)) { }
        double cutS = sw.Elapsed.TotalSeconds, cutCpu = Cpu() - cpu;
        Console.WriteLine($"clips from cache: {batches * batch} clips in {F(cutS)} s = {F(batches * batch / cutS)} clips/s, " +
                          $"{F(batches * batch * frames / cutS)} frames/s ({F(batches * batch / Math.Max(cutCpu, 1e-9))} clips per CPU-second)");

        // (3) A loop shaped like training, cold (decoding included), without and with prefetch.
        foreach (bool prefetch in new[] { false, true })
        {
            IClipSource cold = new VideoClipSource(files, sampling);
            using var wrapped = prefetch ? new PrefetchSource(cold, depth) : null;
            IClipSource src = (IClipSource?)wrapped ?? cold;
            double wait = 0;
            sw.Restart();
            for (int k = 0; k < batches; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using (src.Batch(k, batch)) wait += Stopwatch.GetElapsedTime(t0).TotalSeconds;
                Busy(workMs);
            }
            double total = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"training-shaped loop {(prefetch ? $"with prefetch (depth {depth})" : "without prefetch")}: {batches} steps x {workMs} ms work, " +
                              $"{F(total)} s total, waited {F(wait)} s for data; {F(batches * batch / total)} clips/s, {F(batches * batch * frames / total)} frames/s");
        }
        return 0;
    }

    private static double Cpu() { var p = Process.GetCurrentProcess(); p.Refresh(); return p.TotalProcessorTime.TotalSeconds; }

    /// <summary>Stands in for a training step: keeps one core busy (sleeping would flatter the prefetch on a 2-core machine).</summary>
    private static void Busy(int ms)
    {
        var sw = Stopwatch.StartNew();
        double x = 0;
        while (sw.ElapsedMilliseconds < ms) x += Math.Sqrt(x + 1);
        GC.KeepAlive(x);
    }
}
