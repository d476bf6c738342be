using System.Diagnostics;
using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg bench synth [--clips 4000 --size 64 --frames 16]</c>: MovingShapes generation speed on all cores.</summary>
internal static class BenchSynthCommand
{
    public static int Run(Args args)
    {
        int clips = args.GetInt("clips", 4000), size = args.GetInt("size", 64), frames = args.GetInt("frames", 16);
        args.EnsureAllUsed();
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames });
        Parallel.For(0, 64, i => gen.Render(i));                               // warm-up (JIT)
        var sw = Stopwatch.StartNew();
        Parallel.For(0, clips, i => gen.Render(1000 + i));
        double rate = clips / sw.Elapsed.TotalSeconds;
        Console.WriteLine($"MovingShapes {frames}x{size}x{size}: {clips} clips in {sw.Elapsed.TotalSeconds:F2} s = {rate:F0} clips/s on {Environment.ProcessorCount} cores (pixels + instance masks)");
        return 0;
    }
}
