using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench synth [--clips 4000 --size 64 --frames 16 --batch 16 --warmup 3]</c>: MovingShapes generation
/// speed on all cores, after --warmup seconds of both paths: the training path (batches rendered straight into fresh
/// tensors), single clips with masks (Render), and the renderer alone (RenderInto reused buffers). The three are
/// reported apart because the batch path once faulted in all of every batch's pages (its memory was held until a
/// finalizer ran; see BatchTensor), at a cost that rivalled the rendering: a training figure far below the renderer's
/// points at memory (or at too short a warm-up), not at the painting.
/// Clips per CPU-second is reported beside clips/s because the shared 2-core machines rarely give a run both cores.
/// </summary>
internal static class BenchSynthCommand
{
    public static void Define(Command command)
    {
        var clips = Opt.Int("--clips", "clips per timed path", Bound.AtLeast(1), 4000);
        var size = Opt.Int("--size", "frame side in pixels", Bound.AtLeast(1), 64);
        var frames = Opt.Int("--frames", "frames per clip", Bound.AtLeast(1), 16);
        var batch = Opt.Int("--batch", "clips per batch on the training path", Bound.AtLeast(1), 16);
        var warmup = Opt.Double("--warmup", "seconds of warm-up before timing", Bound.AtLeast(0), 3);
        command.AddAll(clips, size, frames, batch, warmup);
        command.SetAction(p => Run(p.GetValue(clips), p.GetValue(size), p.GetValue(frames), p.GetValue(batch), p.GetValue(warmup)));
    }

    private static int Run(int clips, int size, int frames, int batch, double warmup)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames });
        // Warm-up: tiered JIT compiles the painting loops fully (with PGO) only after call counts and background compiles
        // that wait for a free core. One second was too short on the shared machines: the first figure then timed
        // partly unoptimised code (2,200-2,500 clips per CPU-second for the batch path; 3,900 after 3-4 s).
        var warm = Stopwatch.StartNew();
        for (long k = 0; warm.Elapsed.TotalSeconds < warmup; k++) { using (gen.Batch(k * batch, batch)) { } gen.Render(k); }
        int batches = Math.Max(1, clips / batch);
        Report($"batches of {batch} (training path)", batches * batch, size, frames, () =>
        {
            for (int k = 0; k < batches; k++) using (gen.Batch(1000 + (long)k * batch, batch)) { }
        });
        Report("Render (new clip + instance masks)", clips, size, frames, () => Parallel.For(0, clips, i => gen.Render(1000 + i)));
        // The renderer alone: each thread reuses its buffers, so neither the GC nor fresh tensor pages are counted.
        Report("RenderInto reused buffers (renderer only)", clips, size, frames, () => Parallel.For(0, clips,
            () => (new float[3 * frames * size * size], new byte[frames * size * size]),
            (i, _, buf) => { gen.RenderInto(1000 + i, MovingShapesSplit.Train, 0, frames, buf.Item1, buf.Item2); return buf; }, _ => { }));
        return 0;
    }

    private static void Report(string what, int clips, int size, int frames, Action work)
    {
        GC.Collect();
        var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        work();
        sw.Stop();
        proc.Refresh();
        double cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MovingShapes {frames}x{size}x{size}, {what}: {clips} clips in {sw.Elapsed.TotalSeconds:F2} s = {clips / sw.Elapsed.TotalSeconds:F0} clips/s " +
            $"on {Environment.ProcessorCount} cores; {cpu:F2} CPU-s = {clips / Math.Max(cpu, 1e-9):F0} clips per CPU-second"));
    }
}
