using System.Diagnostics;
using System.Globalization;
using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench synth [--clips 4000 --size 64 --frames 16 --batch 16]</c>: MovingShapes generation speed on all
/// cores: the training path (batches rendered straight into fresh tensors), single clips with masks (Render), and the
/// renderer alone (RenderInto reused buffers). On the dev machines a fresh batch tensor's pages fault in at a cost that
/// rivals the rendering (measured: every batch faults all of its pages), which is why the three are reported apart.
/// Clips per CPU-second is reported beside clips/s because the shared 2-core machines rarely give a run both cores.
/// </summary>
internal static class BenchSynthCommand
{
    public static int Run(Args args)
    {
        int clips = args.GetInt("clips", 4000), size = args.GetInt("size", 64), frames = args.GetInt("frames", 16), batch = args.GetInt("batch", 16);
        args.EnsureAllUsed();
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames });
        // Warm-up: about a second of both paths, so tiered JIT has compiled the painting loops fully before timing.
        var warm = Stopwatch.StartNew();
        for (long k = 0; warm.Elapsed.TotalSeconds < 1; k++) { using (gen.Batch(k * batch, batch)) { } gen.Render(k); }
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
