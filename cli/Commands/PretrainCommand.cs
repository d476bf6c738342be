using System.CommandLine;
using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Data;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg pretrain</c>: trains the MAGVIT tokenizer of a profile into an output folder.</summary>
internal static class PretrainCommand
{
    private static readonly Option<string?> Profile = Common.TokenizerProfileOption("the tokenizer profile (required for a new run; a resumed run keeps its own)");
    private static readonly Option<string?> Out = Opt.Text("--out", "the run folder (default: results/<profile>/tokenizer)", "DIR");
    private static readonly Option<bool> Resume = Opt.Flag("--resume", "continue the newest checkpoint in --out with its saved settings");
    private static readonly Option<bool> Force = Opt.Flag("--force", "replace a run that already has checkpoints");
    private static readonly Option<int?> Steps = Opt.Int("--steps", "train until this step (default: the profile's)", Bound.AtLeast(1));
    private static readonly Option<string?> Data = Common.Data("training clips: moving-shapes, videos:DIR, frames:DIR, mixed (+ the sample videos), mixed:DIR or procedural");
    private static readonly Option<string?> Device = Common.Device("auto");
    // One intra-op thread on CPU by default: on the 2-core dev machine libtorch's 2-thread CPU backward was not
    // repeatable (and once gave NaN gradients), and one thread was also faster there. --threads 0 = libtorch default.
    private static readonly Option<int?> Threads = Common.Threads("1 on CPU, libtorch's on GPU");
    private static readonly Option<int> EvalBatches = Opt.Int("--eval-batches", "held-out batches per periodic evaluation", Bound.AtLeast(1), 2);

    // Overrides of the profile's settings (a new run only; a resumed run keeps its saved model and optimiser).
    private static readonly Option<int?> Batch = Opt.Int("--batch", "clips per step", Bound.AtLeast(1));
    private static readonly Option<double?> Lr = Opt.Double("--lr", "peak learning rate", Bound.Above(0));
    private static readonly Option<int?> Seed = Opt.Int("--seed", "the run's seed (clips, initialisation)", Bound.AtLeast(0));
    private static readonly Option<int?> Filters = Opt.Int("--filters", "encoder/decoder base width", Bound.AtLeast(1));
    private static readonly Option<int?> MinGroupChannels = Opt.Int("--min-group-channels", "GroupNorm: at least this many channels per group", Bound.AtLeast(1));
    private static readonly Option<int?> ReseedEvery = Opt.Int("--reseed-every", "re-seed unused codes every K steps (0: never)", Bound.AtLeast(0));
    private static readonly Option<string?> CodebookInit = Opt.Choice("--codebook-init", "data (codes start as latents of the first batch) or uniform (MAGVIT's init)", null, "data", "uniform");
    private static readonly Option<int[]?> Multipliers = Opt.List<int>("--multipliers", "channel multiplier per level, e.g. 1,2,4", "M,M,..", "a positive integer",
                                                                  m => Opt.ParseNonNegativeInt(m) is > 0 and var v ? v : (int?)null);
    private static readonly Option<int?> EmbeddingDim = Opt.Int("--embedding-dim", "code vector size", Bound.AtLeast(1));
    private static readonly Option<int?> CodebookSize = Opt.Int("--codebook-size", "codes in the codebook", Bound.AtLeast(1));
    private static readonly Option<double?> EntropyLoss = Opt.Double("--entropy-loss", "weight of the codebook entropy loss", Bound.AtLeast(0));
    // The GAN phase trades PSNR for texture: a run judged on PSNR may start the discriminator later or weigh it less.
    private static readonly Option<int?> DiscStart = Opt.Int("--disc-start", "step the discriminator starts at (negative: no GAN)", Bound.Any);
    private static readonly Option<double?> AdversarialWeight = Opt.Double("--adversarial-weight", "weight of the generator's adversarial loss", Bound.AtLeast(0));
    // MAGVIT's beta1 = 0 suits its batch of 256; a CPU batch of 2 may want momentum.
    private static readonly Option<double?> Beta1 = Opt.Double("--beta1", "Adam beta1", new Bound(0, true, 1, false));
    private static readonly Option<int?> EvalEvery = Opt.Int("--eval-every", "evaluate on held-out clips every N steps", Bound.AtLeast(1));
    // Checkpoints to keep (the profile keeps 3); more lets a study read the encoder at several points of training.
    private static readonly Option<int?> Keep = Opt.Int("--keep-checkpoints", "checkpoints kept on disk, newest first", Bound.AtLeast(1));

    private static readonly Option[] Overrides =
        { Batch, Lr, Seed, Filters, MinGroupChannels, ReseedEvery, CodebookInit, Multipliers, EmbeddingDim, CodebookSize, EntropyLoss, DiscStart, AdversarialWeight, Beta1, EvalEvery, Keep };

    public static void Define(Command command)
    {
        command.AddAll(Profile, Out, Resume, Force, Steps, Data, Device, Threads, EvalBatches);
        foreach (var o in Overrides) command.Options.Add(o);
        command.SetAction(Run);
    }

    private static int Run(ParseResult p)
    {
        string? profileName = p.GetValue(Profile);
        bool resume = p.GetValue(Resume);
        if (!resume && profileName is null)
            throw new CliException($"missing required option --profile ({string.Join(", ", TokenizerProfile.All.Select(x => x.Name))}) for a new run");
        string outDir = p.GetValue(Out) ?? RepoPaths.Results(profileName ?? "tiny", "tokenizer");
        int? steps = p.GetValue(Steps);
        string data = p.GetValue(Data)!;
        var source = ClipSources.Open(data);
        var dev = TorchRuntime.ResolveDevice(p.GetValue(Device));
        TorchRuntime.SetThreads(p.GetValue(Threads) ?? (dev.type == TorchSharp.DeviceType.CPU ? 1 : 0));
        int evalBatches = p.GetValue(EvalBatches);
        // Usage errors first, from what is on disk, so that a refused command leaves nothing behind (not even a lock).
        string? existing = TokenizerCheckpoint.Latest(new PretrainOutput(outDir).Checkpoints);
        if (resume && existing is null)
            throw new CliException($"--resume: no checkpoint in '{new PretrainOutput(outDir).Checkpoints}'. Start without --resume.");
        if (!resume && existing is not null && !p.GetValue(Force))
            throw new CliException($"'{outDir}' already has checkpoints: pass --resume to continue, --force to replace the run, or choose another --out.");
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
            var given = Overrides.Where(o => p.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (given.Count > 0)
                throw new CliException($"--resume continues the saved settings; {Opt.Alternatives(given).Replace(" or ", " and ", StringComparison.Ordinal)} cannot change them.");
            trainer = TokenizerCheckpoint.Load(latest, dev);
            untilStep = steps ?? saved.Training.Steps;
            Console.WriteLine($"resuming {saved.Name} from {latest} (step {trainer.Step})");
        }
        else
        {
            if (TokenizerCheckpoint.Latest(output.Checkpoints) is not null)
            {
                if (!p.GetValue(Force))
                    throw new CliException($"'{outDir}' already has checkpoints: pass --resume to continue, --force to replace the run, or choose another --out.");
                // Everything but the lock this process holds.
                foreach (var entry in new DirectoryInfo(outDir).EnumerateFileSystemInfos().Where(e => e.Name != RunLock.FileName))
                    if (entry is DirectoryInfo d) d.Delete(recursive: true); else entry.Delete();
                output = new PretrainOutput(outDir);
            }
            var profile = TokenizerProfile.Get(profileName!);
            var t = profile.Training;
            var vq = profile.Vqvae;
            int[]? multipliers = p.GetList(Multipliers);
            string? codebookInit = p.GetValue(CodebookInit);
            profile = profile with
            {
                Vqvae = vq with
                {
                    Filters = p.GetValue(Filters) ?? vq.Filters,
                    MinGroupChannels = p.GetValue(MinGroupChannels) ?? vq.MinGroupChannels,
                    ChannelMultipliers = multipliers ?? vq.ChannelMultipliers,
                    // Fewer levels need fewer temporal flags: keep the profile's leading ones.
                    TemporalDownsample = multipliers is null ? vq.TemporalDownsample : vq.TimeDown.Take(multipliers.Length - 1).ToArray(),
                    EmbeddingDim = p.GetValue(EmbeddingDim) ?? vq.EmbeddingDim,
                    CodebookSize = p.GetValue(CodebookSize) ?? vq.CodebookSize,
                    EntropyLossRatio = p.GetValue(EntropyLoss) ?? vq.EntropyLossRatio,
                },
                Training = t with
                {
                    Steps = steps ?? t.Steps,
                    BatchSize = p.GetValue(Batch) ?? t.BatchSize,
                    LearningRate = p.GetValue(Lr) ?? t.LearningRate,
                    Seed = p.GetValue(Seed) ?? t.Seed,
                    ReseedDeadCodesEvery = p.GetValue(ReseedEvery) ?? t.ReseedDeadCodesEvery,
                    CodebookInitFromData = codebookInit is null ? t.CodebookInitFromData : codebookInit == "data",
                    DiscriminatorStartStep = p.GetValue(DiscStart) ?? t.DiscriminatorStartStep,
                    AdversarialWeight = p.GetValue(AdversarialWeight) ?? t.AdversarialWeight,
                    Beta1 = p.GetValue(Beta1) ?? t.Beta1,
                    EvalEvery = p.GetValue(EvalEvery) ?? t.EvalEvery,
                    KeepCheckpoints = p.GetValue(Keep) ?? t.KeepCheckpoints,
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
