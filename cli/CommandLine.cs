namespace MagvitSeg.Cli;

/// <summary>The verb table. Each verb lives in its own file under Commands/ and only parses and calls lib/.</summary>
internal static class CommandLine
{
    private static readonly (string Verb, string Help, Func<Args, int> Run)[] Verbs =
    {
        ("info", "print the TorchSharp/libtorch runtime and device", Commands.InfoCommand.Run),
        ("notebooks run", "run notebooks/NN-*.dib headless in order [--profile tiny] [--only NN] [--output DIR]", Commands.NotebooksRunCommand.Run),
        ("eval", "COCO evaluation: --gt GT.json --dt DT.json --iou-type segm|bbox [--class-agnostic (useCats=0)] [--json]", Commands.EvalCommand.Run),
        ("data verify", "check a dataset against data-manifests/NAME.json: NAME [--root DIR] [--deep]; exit 1 on problems", Commands.DataVerifyCommand.Run),
        ("data synth", "export MovingShapes: --out DIR [--videos N --images M --val-images V --size S --frames T --seed K --format frames|mp4]", Commands.DataSynthCommand.Run),
        ("bench coco-load", "time loading a synthetic ~450 MB instances file [--mb N --file F]", Commands.BenchCocoLoadCommand.Run),
        ("bench synth", "MovingShapes clips/s and clips per CPU-second [--clips N --size S --frames T --batch B --warmup SECONDS]", Commands.BenchSynthCommand.Run),
        ("bench decode", "real-video decode and clip throughput with/without prefetch [--dir D --batches N --batch B --frames T --size S --work-ms M --depth K]", Commands.BenchDecodeCommand.Run),
        ("bench eval", "evaluator speed on a 1000-image synthetic workload [--images N --iou-type segm|bbox|both]", Commands.BenchEvalCommand.Run),
        ("pretrain", "train the MAGVIT tokenizer: --profile tiny|cpu|gpu|magvit-b|magvit-l --out DIR [--data moving-shapes|videos:DIR|frames:DIR|mixed|mixed:DIR] [--steps N] [--resume] [--batch N --lr X --seed K --filters N --min-group-channels N --reseed-every K --codebook-init data|uniform --multipliers 1,2,4 --embedding-dim D --codebook-size K --entropy-loss W --disc-start N --adversarial-weight W --beta1 B --eval-every N --keep-checkpoints N]", Commands.PretrainCommand.Run),
        ("reconstruct", "reconstruct held-out clips with a checkpoint's EMA tokenizer -> recon.png, metrics.json (PSNR, SSIM, perplexity, and the PSNR of exact block means at the token stride as a reference): --checkpoint C --out DIR [--data moving-shapes|videos:DIR|mixed] [--batches N] [--batch B] [--seed S] [--device D]", Commands.ReconstructCommand.Run),
        ("bench tokenizer", "tokenizer training/encode clips/s and peak RSS (tiny, cpu) [--steps N]", Commands.BenchTokenizerCommand.Run),
        ("study", "the whole comparison (variants a-g x seeds) -> study.csv/json: " + Commands.StudyCommands.CommonHelp + " [--variants a,b,..] [--seeds 0,1,2]", Commands.StudyCommands.Study),
        ("extract", "encode a variant's train/val images into the feature cache: --variant ID " + Commands.StudyCommands.CommonHelp, Commands.StudyCommands.Extract),
        ("train-head", "train one head: --variant ID --seed K " + Commands.StudyCommands.CommonHelp, Commands.StudyCommands.TrainHead),
        ("predict", "run a trained head on the val split -> predictions.json, eval.txt: --variant ID --seed K " + Commands.StudyCommands.CommonHelp, Commands.StudyCommands.Predict),
        ("curves", Commands.CurvesCommand.Help, Commands.CurvesCommand.Run),
        ("bench head", "time a segmentation-head training step on random features [--profile tiny|cpu|gpu --batch N --grid G --channels C --device D]", Commands.BenchHeadCommand.Run),
    };

    public static int Dispatch(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            PrintHelp();
            return argv.Length == 0 ? 1 : 0;
        }
        // Two-word verbs ("bench eval", "data verify") are matched first.
        foreach (int words in new[] { 2, 1 })
        {
            if (argv.Length < words) continue;
            string verb = string.Join(' ', argv.Take(words));
            foreach (var v in Verbs)
            {
                if (v.Verb != verb) continue;
                if (Runtime.TorchBackend.MissingLibtorch() is { } missing)
                {
                    Console.Error.WriteLine($"magvitseg {verb}: {missing}");
                    return 1;
                }
                try
                {
                    return v.Run(Args.Parse(argv.Skip(words).ToArray()));
                }
                catch (CliException e)
                {
                    Console.Error.WriteLine($"magvitseg {verb}: {e.Message}");
                    return 2;
                }
                catch (Exception e) when (IsInputError(e))
                {
                    Console.Error.WriteLine($"magvitseg {verb}: error: {e.Message}");
                    return 1;
                }
                catch (AggregateException e) when (e.Flatten().InnerExceptions.All(IsInputError))
                {
                    // Parallel loaders fail once per worker with the same cause (e.g. ffprobe missing): say it once.
                    foreach (string message in e.Flatten().InnerExceptions.Select(x => x.Message).Distinct())
                        Console.Error.WriteLine($"magvitseg {verb}: error: {message}");
                    return 1;
                }
            }
        }
        Console.Error.WriteLine($"magvitseg: unknown verb '{argv[0]}'. Run 'magvitseg --help' for the list.");
        return 2;
    }

    private static bool IsInputError(Exception e) =>
        e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or IOException or InvalidOperationException;

    private static void PrintHelp()
    {
        Console.WriteLine("magvitseg <verb> [options]   (dotnet run --project cli -- <verb> ...)");
        Console.WriteLine();
        foreach (var v in Verbs) Console.WriteLine($"  {v.Verb,-16} {v.Help}");
    }
}
