using System.CommandLine;
using System.Diagnostics;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg data synth --out DIR [--videos 16 --images 200 --val-images M/5 --size 64 --frames 16 --seed 0 --format frames|mp4]</c>:
/// exports MovingShapes to disk: training-split videos (PNG frame folders or mp4, with instance-mask PNGs) and still
/// frames of held-out videos as a COCO instance-segmentation dataset (stills/{train,val}, stills/annotations).
/// </summary>
internal static class DataSynthCommand
{
    public static void Define(Command command)
    {
        var outDir = Opt.Required("--out", "the folder to write (videos/, masks/, stills/, moving-shapes.json)", "DIR");
        var videos = Opt.Int("--videos", "training-split videos", Bound.AtLeast(0), 16);
        var images = Opt.Int("--images", "training still images", Bound.AtLeast(0), 200);
        var valImages = Opt.Int("--val-images", "validation still images (default: a fifth of --images, at least 1)", Bound.AtLeast(0));
        var size = Opt.Int("--size", "frame side in pixels", Bound.AtLeast(1), 64);
        var frames = Opt.Int("--frames", "frames per video", Bound.AtLeast(1), 16);
        var seed = Opt.Int("--seed", "generator seed", Bound.AtLeast(0), 0);
        var format = Opt.Choice("--format", "video files: PNG frame folders or mp4 (ffmpeg)", "frames", "frames", "mp4");
        command.AddAll(outDir, videos, images, valImages, size, frames, seed, format);
        command.SetAction(p =>
        {
            int stills = p.GetValue(images);
            return Run(p.GetRequiredValue(outDir), p.GetValue(videos), stills, p.GetValue(valImages) ?? Math.Max(1, stills / 5),
                       p.GetValue(size), p.GetValue(frames), p.GetValue(seed), p.GetValue(format)!);
        });
    }

    private static int Run(string outDir, int videos, int images, int valImages, int size, int frames, int seed, string format)
    {
        var fmt = format == "mp4" ? VideoExportFormat.Mp4 : VideoExportFormat.Frames;
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames, Seed = seed });
        var sw = Stopwatch.StartNew();
        if (videos > 0)
        {
            string dir = MovingShapesVideos.Export(gen, outDir, videos, fmt);
            Console.WriteLine($"{videos} videos ({frames}x{size}x{size}, {format}) -> {dir}; instance masks -> {Path.Combine(outDir, "masks")}");
        }
        string stills = Path.Combine(outDir, "stills");
        if (images > 0) Console.WriteLine($"{images} still images -> {MovingShapesStills.Export(gen, stills, "train", MovingShapesSplit.StillsTrain, images)}");
        if (valImages > 0) Console.WriteLine($"{valImages} still images -> {MovingShapesStills.Export(gen, stills, "val", MovingShapesSplit.StillsVal, valImages)}");
        // The parameters beside the data, so the export can be regenerated exactly.
        AtomicFile.WriteJson(Path.Combine(outDir, "moving-shapes.json"), new { gen.Config.Size, gen.Config.Frames, gen.Config.Seed, gen.Config.MinObjects, gen.Config.MaxObjects,
            MinRadius = gen.Config.Radius.Min, MaxRadius = gen.Config.Radius.Max, gen.Config.Pan, Videos = videos, VideoSplit = "Train", Format = format,
            StillsTrain = images, StillsVal = valImages, Categories = MovingShapes.Categories });
        Console.WriteLine($"done in {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
