using System.Globalization;
using MagvitSeg.Config;
using MagvitSeg.Runtime;
using MagvitSeg.Study;
using MagvitSeg.Viz;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// The study verbs: <c>study</c> runs everything; <c>extract</c>, <c>train-head</c> and <c>predict</c> run one stage of one
/// variant in the same study folder (so a later <c>study</c> reuses what they left).
/// </summary>
internal static class StudyCommands
{
    public const string CommonHelp = "--profile tiny|cpu|gpu [--out DIR] [--tokenizer DIR|FILE.ckpt] [--coco DIR] [--head-steps N] [--device D] [--threads N]"
        + " [probes, recorded in config.json: --train-images N --val-images N --head-lr X --head-clip NORM --queries N --context-blocks N --selection NAME[+pixels] --class-roi R --class-roi-conv C --class-weight W --image-tokenizer DIR --nms-iou X (0: no NMS)]";

    public static int Study(Args args)
    {
        var variants = args.Get("variants");
        var seeds = args.Get("seeds");
        using var runner = Open(args);
        var rows = runner.Run(variants is null ? null : StudyVariant.Parse(variants.Split(',')), seeds is null ? null : ParseSeeds(seeds));
        Console.WriteLine();
        Console.WriteLine($"{"variant",-8} {"seeds",5} {"AP",12} {"AP50",6} {"AP75",6} {"APs",6} {"APm",6} {"APl",6} {"mIoU",12} {"AP no-cls",10} {"train s",8}  description");
        foreach (var s in StudyTable.Summarise(rows))
            Console.WriteLine($"{s.Variant,-8} {s.Seeds,5} {$"{s.AP:F1}±{s.APStd:F1}",12} {s.AP50,6:F1} {s.AP75,6:F1} {s.APs,6:F1} {s.APm,6:F1} {s.APl,6:F1} " +
                              $"{$"{s.MIoU:F1}±{s.MIoUStd:F1}",12} {s.APAgnostic,10:F1} {s.TrainSeconds,8:F0}  {s.Description}");
        Console.WriteLine();
        Console.WriteLine($"study table: {Path.Combine(runner.Paths.Root, "study.csv")} (and study.json)");
        Console.WriteLine($"per-run outputs (head.pt, metrics.csv, predictions.json, eval.txt): {Path.Combine(runner.Paths.Root, "runs")}");
        if (rows.Count > 0)
        {
            // The figures of the table and of one run: the proposal (a) at its first seed when it ran, else the first row.
            var shown = rows.FirstOrDefault(r => r.Variant == "a") ?? rows[0];
            var figures = new FigureFolder(StudyFigures.FolderOf(runner.Paths));
            var files = StudyFigures.WriteStudy(runner.Paths, runner.ValSet, figures, shown.Variant, shown.Seed);
            Console.WriteLine($"figures: {figures.Directory} ({string.Join(", ", files.Select(Path.GetFileName))})");
        }
        return 0;
    }

    public static int Extract(Args args)
    {
        var variant = Variant(args);
        using var runner = Open(args);
        if (variant.FineTune) throw new CliException($"variant '{variant.Id}' fine-tunes the encoder, so it has no frozen features to extract.");
        var extractor = runner.Extractor(variant);
        foreach (var split in new[] { "train", "val" })
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var levels = runner.Features(extractor, split);
            Console.WriteLine($"{split}: {string.Join(" + ", levels.Select(l => $"[{string.Join(", ", l.shape)}]"))} in {sw.Elapsed.TotalSeconds:F1} s " +
                              $"({levels[0].shape[0] / sw.Elapsed.TotalSeconds:F1} images/s, including a cache hit when it was already built)");
            foreach (var l in levels) l.Dispose();
        }
        Console.WriteLine($"feature cache: {runner.Paths.Features}");
        return 0;
    }

    public static int TrainHead(Args args)
    {
        var variant = Variant(args);
        int seed = args.GetInt("seed", 0);
        using var runner = Open(args);
        var r = runner.TrainHead(variant, seed);
        Console.WriteLine($"({r.Variant}) seed {r.Seed}: trained in {r.Seconds:F0} s, final loss {r.FinalLoss:F4}; head: {runner.Paths.Run(r.Variant, r.Seed)}");
        return 0;
    }

    public static int Predict(Args args)
    {
        var variant = Variant(args);
        int seed = args.GetInt("seed", 0);
        using var runner = Open(args);
        var r = runner.EvaluateHead(variant, seed);
        string dir = runner.Paths.Run(r.Variant, r.Seed);
        Console.WriteLine(File.ReadAllText(Path.Combine(dir, "eval.txt")));
        Console.WriteLine($"predictions: {Path.Combine(dir, "predictions.json")}");
        return 0;
    }

    private static StudyVariant Variant(Args args)
    {
        try { return StudyVariant.Parse(new[] { args.Require("variant") })[0]; }
        catch (ArgumentException e) { throw new CliException(e.Message); }
    }

    private static StudyRunner Open(Args args)
    {
        string profileName = args.Get("profile", "tiny");
        StudyProfile profile;
        try { profile = StudyProfile.Get(profileName); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        int headSteps = args.GetInt("head-steps", 0);
        int trainImages = args.GetInt("train-images", 0), valImages = args.GetInt("val-images", 0);
        double lr = args.GetDouble("head-lr", 0);
        if (lr > 0) profile = profile with { HeadTraining = profile.HeadTraining with { LearningRate = lr } };
        double clip = args.GetDouble("head-clip", -1);
        if (clip >= 0) profile = profile with { HeadTraining = profile.HeadTraining with { GradClip = clip } };
        int queries = args.GetInt("queries", 0);
        if (queries > 0) profile = profile with { Head = profile.Head with { Queries = queries } };
        int contextBlocks = args.GetInt("context-blocks", -1);
        if (contextBlocks >= 0) profile = profile with { Head = profile.Head with { ContextBlocks = contextBlocks } };
        if (args.Get("selection") is { } selection)
        {
            try { _ = Masking.FeatureSelection.Named(selection); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            profile = profile with { Selection = selection };
        }
        int roi = args.GetInt("class-roi", -1);
        if (roi >= 0) profile = profile with { Head = profile.Head with { ClassRoiGrid = roi } };
        int roiConv = args.GetInt("class-roi-conv", -1);
        if (roiConv >= 0) profile = profile with { Head = profile.Head with { ClassRoiConv = roiConv } };
        double classWeight = args.GetDouble("class-weight", 0);
        if (classWeight > 0) profile = profile with { Loss = (profile.Loss ?? new MaskLossConfig()) with { ClassWeight = classWeight } };
        double nms = args.GetDouble("nms-iou", -1);
        if (nms >= 0)
        {
            if (nms > 1) throw new CliException($"--nms-iou {nms}: give an IoU in [0, 1] (0 turns mask NMS off).");
            profile = profile with { Predict = profile.Inference with { NmsIou = nms } };
        }
        if (headSteps > 0) profile = profile with { HeadTraining = profile.HeadTraining with { Steps = headSteps } };
        if (trainImages > 0) profile = profile with { TrainImages = trainImages };
        if (valImages > 0) profile = profile with { ValImages = valImages };
        var paths = StudyPaths.Default(profile.Name, args.Get("out"));
        if (args.Get("tokenizer") is { } tok) paths = paths with { Tokenizer = tok };
        if (args.Get("image-tokenizer") is { } tok2) paths = paths with { ImageTokenizer = tok2 };
        if (args.Get("coco") is { } coco)
        {
            if (!File.Exists(Path.Combine(coco, "annotations", "instances_train2017.json")))
                throw new CliException($"--coco '{coco}' has no annotations/instances_train2017.json (expected a COCO-format folder such as ../shared/data/coco-tiny).");
            paths = paths with { CocoRoot = coco };
        }
        var device = TorchRuntime.ResolveDevice(args.Get("device", "auto"));
        // One intra-op thread on CPU by default, as pretrain: repeatable numbers for a seed (see environment.md).
        int threads = args.GetInt("threads", -1);
        TorchRuntime.SetThreads(threads >= 0 ? threads : device.type == TorchSharp.DeviceType.CPU ? 1 : 0);
        args.EnsureAllUsed();
        Console.WriteLine($"{TorchRuntime.Describe()}; device {device}");
        string images = paths.CocoRoot is null
            ? $"{profile.TrainImages} train / {profile.ValImages} val MovingShapes images"
            : $"COCO train2017 / val2017 from {paths.CocoRoot}";
        Console.WriteLine($"study profile {profile.Name}: {images} at {profile.ImageSize}px, " +
                          $"head {profile.HeadTraining.Steps} steps x batch {profile.BatchSize}, seeds {string.Join(",", profile.Seeds)}; folder {paths.Root}");
        return new StudyRunner(profile, paths, device, Console.WriteLine);
    }

    private static int[] ParseSeeds(string s) =>
        s.Split(',').Select(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new CliException($"--seeds '{s}': expected comma-separated integers, e.g. 0,1,2")).ToArray();
}
