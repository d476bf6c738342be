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
    public static int Run(Args args)
    {
        string outDir = args.Require("out");
        int videos = args.GetInt("videos", 16), images = args.GetInt("images", 200);
        int valImages = args.GetInt("val-images", Math.Max(1, images / 5));
        int size = args.GetInt("size", 64), frames = args.GetInt("frames", 16), seed = args.GetInt("seed", 0);
        string format = args.Get("format", "frames");
        args.EnsureAllUsed();
        var fmt = format switch
        {
            "frames" => VideoExportFormat.Frames,
            "mp4" => VideoExportFormat.Mp4,
            _ => throw new CliException($"--format '{format}': use frames or mp4"),
        };
        if (videos < 0 || images < 0 || valImages < 0) throw new CliException("--videos, --images and --val-images must not be negative");
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
