using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg pretrain</c>: trains the MAGVIT tokenizer of a profile into an output folder.</summary>
internal static class PretrainCommand
{
    public static int Run(Args args)
    {
        string? profileName = args.Get("profile");
        string outDir = args.Get("out") ?? RepoPaths.Results(profileName ?? "tiny", "tokenizer");
        bool resume = args.Flag("resume");
        bool force = args.Flag("force");
        int steps = args.GetInt("steps", 0);
        int batch = args.GetInt("batch", 0);
        double lr = args.GetDouble("lr", 0);
        int seed = args.GetInt("seed", -1);
        string data = args.Get("data", "moving-shapes");
        string device = args.Get("device", "auto");
        // One intra-op thread on CPU by default: on the 2-core dev machine libtorch's 2-thread CPU backward was not
        // repeatable (and once gave NaN gradients), and one thread was also faster there. --threads 0 = libtorch default.
        int threads = args.GetInt("threads", -1);
        int evalBatches = args.GetInt("eval-batches", 2);
        // Architecture experiments on top of a named profile (a new run only; a resumed run keeps its saved model).
        int filters = args.GetInt("filters", 0);
        int minGroupChannels = args.GetInt("min-group-channels", 0);
        int reseedEvery = args.GetInt("reseed-every", -1);
        string? codebookInit = args.Get("codebook-init");
        int[]? multipliers = args.Get("multipliers")?.Split(',').Select(m => int.TryParse(m, out int v) && v > 0 ? v
            : throw new CliException($"--multipliers: '{m}' is not a positive integer (expected e.g. 1,2,4)")).ToArray();
        int embeddingDim = args.GetInt("embedding-dim", 0), codebookSize = args.GetInt("codebook-size", 0);
        double entropyLoss = args.GetDouble("entropy-loss", -1);
        // The GAN phase trades PSNR for texture: a run judged on PSNR may start the discriminator later or weigh it less.
        int discStart = args.GetInt("disc-start", int.MinValue); // negative: no GAN
        double adversarialWeight = args.GetDouble("adversarial-weight", -1);
        // MAGVIT's beta1 = 0 suits its batch of 256; a CPU batch of 2 may want momentum.
        double beta1 = args.GetDouble("beta1", -1);
        int evalEvery = args.GetInt("eval-every", 0);
        // Checkpoints to keep (the profile keeps 3); more lets a study read the encoder at several points of training.
        int keep = args.GetInt("keep-checkpoints", 0);
        if (keep < 0) throw new CliException($"--keep-checkpoints {keep}: give a positive count (checkpoints kept on disk, newest first).");
        if (codebookInit is not (null or "data" or "uniform"))
            throw new CliException($"--codebook-init '{codebookInit}': use data (codes start as latents of the first batch) or uniform (MAGVIT's init).");
        args.EnsureAllUsed();
        var source = ClipSources.Open(data);
        var dev = TorchRuntime.ResolveDevice(device);
        TorchRuntime.SetThreads(threads >= 0 ? threads : dev.type == TorchSharp.DeviceType.CPU ? 1 : 0);
        // One writer per run folder (issue 19): a second pretrain into it is refused, naming the holder.
        using var runLock = RunLock.Acquire(outDir, Console.WriteLine);
        var output = new PretrainOutput(outDir);

        TokenizerTrainer trainer;
        long untilStep;
        if (resume)
        {
            // A damaged newest checkpoint (e.g. cut short by a full disk) is named and skipped for the newest intact one.
            string? latest = TokenizerCheckpoint.NewestIntact(output.Checkpoints, Console.WriteLine);
            if (latest is null)
                throw new CliException($"--resume: no checkpoint in '{output.Checkpoints}'. Start without --resume.");
            var saved = TokenizerCheckpoint.ReadProfile(latest);
            if (profileName is not null && !string.Equals(profileName, saved.Name, StringComparison.OrdinalIgnoreCase))
                throw new CliException($"--resume: '{outDir}' holds a '{saved.Name}' run, not '{profileName}'.");
            if (batch != 0 || lr != 0 || seed >= 0 || filters != 0 || minGroupChannels != 0 || reseedEvery >= 0 || codebookInit is not null
                || multipliers is not null || embeddingDim != 0 || codebookSize != 0 || entropyLoss >= 0 || discStart != int.MinValue || adversarialWeight >= 0
                || beta1 >= 0 || evalEvery != 0 || keep != 0)
                throw new CliException("--resume continues the saved settings; --batch, --lr, --seed, --filters, --min-group-channels, --reseed-every, --codebook-init, --multipliers, --embedding-dim, --codebook-size, --entropy-loss, --disc-start, --adversarial-weight, --beta1, --eval-every and --keep-checkpoints cannot change them.");
            trainer = TokenizerCheckpoint.Load(latest, dev);
            untilStep = steps > 0 ? steps : saved.Training.Steps;
            Console.WriteLine($"resuming {saved.Name} from {latest} (step {trainer.Step})");
        }
        else
        {
            if (TokenizerCheckpoint.Latest(output.Checkpoints) is not null)
            {
                if (!force)
                    throw new CliException($"'{outDir}' already has checkpoints: pass --resume to continue, --force to replace the run, or choose another --out.");
                // Everything but the lock this process holds.
                foreach (var entry in new DirectoryInfo(outDir).EnumerateFileSystemInfos().Where(e => e.Name != RunLock.FileName))
                    if (entry is DirectoryInfo d) d.Delete(recursive: true); else entry.Delete();
                output = new PretrainOutput(outDir);
            }
            var profile = TokenizerProfile.Get(profileName ?? throw new CliException("missing required option --profile (tiny, cpu, gpu, magvit-b, magvit-l)"));
            var t = profile.Training;
            var vq = profile.Vqvae;
            profile = profile with
            {
                Vqvae = vq with
                {
                    Filters = filters > 0 ? filters : vq.Filters,
                    MinGroupChannels = minGroupChannels > 0 ? minGroupChannels : vq.MinGroupChannels,
                    ChannelMultipliers = multipliers ?? vq.ChannelMultipliers,
                    // Fewer levels need fewer temporal flags: keep the profile's leading ones.
                    TemporalDownsample = multipliers is null ? vq.TemporalDownsample : vq.TimeDown.Take(multipliers.Length - 1).ToArray(),
                    EmbeddingDim = embeddingDim > 0 ? embeddingDim : vq.EmbeddingDim,
                    CodebookSize = codebookSize > 0 ? codebookSize : vq.CodebookSize,
                    EntropyLossRatio = entropyLoss >= 0 ? entropyLoss : vq.EntropyLossRatio,
                },
                Training = t with
                {
                    Steps = steps > 0 ? steps : t.Steps,
                    BatchSize = batch > 0 ? batch : t.BatchSize,
                    LearningRate = lr > 0 ? lr : t.LearningRate,
                    Seed = seed >= 0 ? seed : t.Seed,
                    ReseedDeadCodesEvery = reseedEvery >= 0 ? reseedEvery : t.ReseedDeadCodesEvery,
                    CodebookInitFromData = codebookInit is null ? t.CodebookInitFromData : codebookInit == "data",
                    DiscriminatorStartStep = discStart != int.MinValue ? discStart : t.DiscriminatorStartStep,
                    AdversarialWeight = adversarialWeight >= 0 ? adversarialWeight : t.AdversarialWeight,
                    Beta1 = beta1 >= 0 ? beta1 : t.Beta1,
                    EvalEvery = evalEvery > 0 ? evalEvery : t.EvalEvery,
                    KeepCheckpoints = keep > 0 ? keep : t.KeepCheckpoints,
                },
            };
            trainer = new TokenizerTrainer(profile, dev);
            untilStep = profile.Training.Steps;
        }
        using (trainer)
        {
            var v = trainer.Profile.Vqvae;
            Console.WriteLine($"{TorchRuntime.Describe()}; device {dev}");
            Console.WriteLine($"profile {trainer.Profile.Name}: clips {v.Frames}x{v.Height}x{v.Width} -> tokens {v.LatentShape}, " +
                              $"{trainer.Model.ParameterCount():N0} VQ parameters, batch {trainer.Profile.Training.BatchSize}, steps {untilStep}");
            var train = source(v, trainer.Profile.Training.Seed);
            var heldOut = source(v, trainer.Profile.Training.Seed + TokenizerRun.HeldOutSeedOffset);
            // Real video is cut on a background task two batches ahead, so steps do not wait on decoding and cropping.
            using var prefetch = ClipSources.DecodesVideo(data) ? new PrefetchSource(train) : null;
            try
            {
                var summary = PretrainLoop.Run(trainer, (IClipSource?)prefetch ?? train, heldOut, output, untilStep, Console.WriteLine, evalBatches);
                string export = Path.Combine(outDir, "tokenizer-ema.safetensors");
                TokenizerCheckpoint.ExportSafetensors(trainer.EmaModel, export);
                Console.WriteLine($"EMA weights for PyTorch: {export}");
                Console.WriteLine(JsonSerializer.Serialize(summary.LastEval));
            }
            catch (NonFiniteLossException e)
            {
                Console.Error.WriteLine($"magvitseg pretrain: {e.Message}");
                return 3;
            }
            finally
            {
                ReportSkipped(train, heldOut, prefetch);
            }
        }
        return 0;
    }

    /// <summary>Bad inputs are skipped during the run, never fatal and never silent: the count and each file at the end.</summary>
    private static void ReportSkipped(params IClipSource?[] sources)
    {
        var skipped = sources.OfType<IReportsSkipped>().SelectMany(s => s.Skipped).DistinctBy(s => s.Item).ToList();
        if (sources.OfType<PrefetchSource>().FirstOrDefault() is { } p) Console.WriteLine($"data: the training loop waited {p.WaitSeconds:F1} s for prefetched batches");
        if (skipped.Count == 0) return;
        Console.WriteLine($"data: {skipped.Count} input(s) skipped as unusable:");
        foreach (var s in skipped) Console.WriteLine($"  {s.Item}: {s.Reason}");
    }
}
