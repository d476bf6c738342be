using System.CommandLine;
using System.CommandLine.Invocation;
using MagvitSeg.Cli.Commands;
using MagvitSeg.Runtime;
using MagvitSeg.Training;

namespace MagvitSeg.Cli;

/// <summary>
/// The verb table and the one exit-code rule. Each verb lives in its own file under Commands/ and only parses and
/// calls lib/. Exit codes: 0 success; 1 bad data (a file that is missing, unreadable or malformed); 2 usage (the
/// command line itself: unknown verb or option, bad value, missing required option); 3 training stopped on a
/// non-finite loss; 70 an internal error (a bug: one line plus the file holding the full trace, see <see cref="CrashReport"/>).
/// </summary>
internal static class CommandLine
{
    public const int DataError = 1, UsageError = 2, Diverged = 3, InternalError = 70;

    /// <summary>
    /// Every verb: its words ("bench eval" is the verb eval of the group bench), the line the help lists, and the
    /// <c>Define</c> in its file under Commands/ that adds its options and action. Adding a verb is a file with a
    /// <c>Define(Command)</c> and one line here.
    /// </summary>
    private static readonly Verb[] Verbs =
    {
        new("info", "print the TorchSharp/libtorch runtime and device", InfoCommand.Define),
        new("notebooks run", "run notebooks/NN-*.dib headless in order, saving executed copies", NotebooksRunCommand.Define),
        new("eval", "COCO evaluation with pycocotools parity (AP/AR summary, or JSON with mIoU)", EvalCommand.Define),
        new("data verify", "check a dataset against data-manifests/NAME.json; exit 1 naming every bad file", DataVerifyCommand.Define),
        new("data synth", "export MovingShapes videos (+ instance masks) and COCO still images", DataSynthCommand.Define),
        new("bench coco-load", "time loading a synthetic ~450 MB COCO instances file", BenchCocoLoadCommand.Define),
        new("bench synth", "MovingShapes clips/s and clips per CPU-second", BenchSynthCommand.Define),
        new("bench decode", "real-video decode and clip throughput, with and without prefetch", BenchDecodeCommand.Define),
        new("bench eval", "evaluator speed on a 1000-image synthetic workload", BenchEvalCommand.Define),
        new("pretrain", "train the MAGVIT tokenizer of a profile (checkpoints, metrics.csv, eval.csv, tokenizer-ema.safetensors)", PretrainCommand.Define),
        new("reconstruct", "reconstruct held-out clips with a checkpoint's EMA tokenizer -> recon.png, metrics.json (PSNR, SSIM, " +
                           "perplexity, and the PSNR of exact block means at the token stride as a reference)", ReconstructCommand.Define),
        new("bench tokenizer", "tokenizer training/encode clips/s and peak RSS", BenchTokenizerCommand.Define),
        new("study", "the whole comparison (variants a-g x seeds) -> study.csv/json, the table and the figures", StudyCommand.Define),
        new("curves", "probe capacity x label budget with paired bootstrap intervals -> curves.csv, differences.csv, curves.json, figures", CurvesCommand.Define),
        new("extract", "encode a variant's train/val images into the feature cache (same folders as study)", ExtractCommand.Define),
        new("train-head", "train one head of one variant and seed (same folders as study)", TrainHeadCommand.Define),
        new("predict", "run a trained head on the val split -> predictions.json, eval.txt (same folders as study)", PredictCommand.Define),
        new("bench head", "time a segmentation-head training step on random features", BenchHeadCommand.Define),
    };

    private sealed record Verb(string Words, string Description, Action<Command> Define);

    private static readonly Dictionary<string, string> Groups = new(StringComparer.Ordinal)
    {
        ["notebooks"] = "the notebooks (notebooks/NN-*.dib)",
        ["data"] = "datasets: verify against data-manifests/, export MovingShapes",
        ["bench"] = "benchmarks (the speed and memory targets live here)",
    };

    /// <summary>Points the run at a checkout (data-manifests/, notebooks/, results/, ../shared); on every verb.</summary>
    private static readonly Option<string?> Repo = new("--repo")
    {
        Description = $"the MagvitSeg checkout to use (data-manifests/, notebooks/, results/ and ../shared beside it); default ${RepoPaths.RepoEnv}, " +
                      "else the checkout holding this build or the working folder",
        HelpName = "DIR",
        Recursive = true,
        Validators =
        {
            r =>
            {
                if (r.Tokens.Count == 1 && !File.Exists(Path.Combine(r.Tokens[0].Value, "MagvitSeg.slnx")))
                    r.AddError($"--repo '{r.Tokens[0].Value}': not a MagvitSeg checkout (expected a folder holding MagvitSeg.slnx).");
            },
        },
    };

    /// <summary>
    /// The command tree. Only the verbs whose words all occur in <paramref name="argv"/> get their options (null: every
    /// verb, as completion needs): the others are a name and a line for the help, so start-up does not build and JIT
    /// some 150 options to run one verb.
    /// </summary>
    public static RootCommand Build(IReadOnlyCollection<string>? argv = null)
    {
        var root = new RootCommand("MagvitSeg: a MAGVIT video tokenizer's frozen features for still-image instance segmentation. " +
                                   "Exit codes: 0 ok, 1 bad data, 2 usage, 3 non-finite loss, 70 internal error (trace in a file).");
        root.Options.Add(Repo);
        // No verb: the help, but as a usage error (nothing ran).
        root.SetAction(p =>
        {
            new System.CommandLine.Help.HelpAction().Invoke(p);
            return UsageError;
        });
        var groups = new Dictionary<string, Command>(StringComparer.Ordinal);
        foreach (var v in Verbs)
        {
            string[] words = v.Words.Split(' ');
            var verb = new Command(words[^1], v.Description);
            if (argv is null || words.All(argv.Contains)) v.Define(verb);
            if (words.Length == 1) { root.Subcommands.Add(verb); continue; }
            string group = words[0];
            if (!groups.TryGetValue(group, out var parent))
            {
                parent = new Command(group, Groups[group]);
                var named = parent;
                parent.SetAction(_ =>
                {
                    Console.Error.WriteLine($"magvitseg {group}: name one of its verbs: {Opt.Alternatives(named.Subcommands.Select(c => c.Name).ToList())}.");
                    return UsageError;
                });
                groups[group] = parent;
                root.Subcommands.Add(parent);
            }
            parent.Subcommands.Add(verb);
        }
        return root;
    }

    public static int Run(string[] argv)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            Environment.Exit(CrashReport.Report(e.ExceptionObject as Exception ?? new Exception($"{e.ExceptionObject}"), "magvitseg", argv));
        // "help VERB" as the old command line read it: the same as "VERB --help".
        if (argv.Length >= 1 && argv[0] == "help") argv = argv[1..].Append("--help").ToArray();
        // A directive ([suggest], [diagram]) reads the whole tree; a verb needs only its own options.
        var root = Build(argv.Any(a => a.StartsWith('[')) ? null : argv);
        var parse = root.Parse(argv);
        if (parse.GetResult(Repo) is { } given && !given.Errors.Any() && parse.GetValue(Repo) is { } repo)
        {
            // The checkout named by --repo holds the lists the options check against (data-manifests/): parse again with it.
            Environment.SetEnvironmentVariable(RepoPaths.RepoEnv, Path.GetFullPath(repo));
            parse = root.Parse(argv);
        }
        string name = VerbName(parse);
        // Help clears the parse errors, but an unknown word is still a usage error ("magvitseg nosuch --help").
        var errors = parse.Action switch
        {
            ParseErrorAction => parse.Errors.Select(e => e.Message).ToList(),
            System.CommandLine.Help.HelpAction => parse.UnmatchedTokens.Select(t => $"Unrecognized command or argument '{t}'.").ToList(),
            _ => new List<string>(), // e.g. [suggest]: the line to complete is an unmatched token by design
        };
        if (errors.Count > 0)
        {
            foreach (string error in errors) Console.Error.WriteLine($"{name}: {error}");
            if (parse.CommandResult.Command is RootCommand) Console.Error.WriteLine("Run 'magvitseg --help' for the verbs.");
            return UsageError;
        }
        var command = parse.CommandResult.Command;
        bool verb = command.Subcommands.Count == 0 && parse.Action is { } action && ReferenceEquals(action, command.Action);
        if (verb && TorchBackend.MissingLibtorch() is { } missing)
        {
            Console.Error.WriteLine($"{name}: {missing}");
            return DataError;
        }
        return Invoke(parse, name, argv);
    }

    /// <summary>Runs the parsed verb; every exception ends as one line (input errors exit 1, anything else via <see cref="CrashReport"/>).</summary>
    private static int Invoke(ParseResult parse, string name, string[] argv)
    {
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"{name}: {e.Message}");
            return UsageError;
        }
        catch (NonFiniteLossException e)
        {
            // A study or curves grid meets it inside a tokenizer, head or probe run: the same line and code as pretrain.
            Console.Error.WriteLine($"{name}: {e.Message}");
            return Diverged;
        }
        catch (Exception e) when (IsInputError(e))
        {
            Console.Error.WriteLine($"{name}: error: {e.Message}");
            return DataError;
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions.All(x => x is NonFiniteLossException)
                                           || e.Flatten().InnerExceptions.All(IsInputError))
        {
            // Work side by side fails inside Parallel.ForEach, often once per worker with the same cause (runs that
            // diverge under study/curves --jobs, loaders without ffprobe): each distinct line once, the code of its kind.
            var inner = e.Flatten().InnerExceptions;
            bool diverged = inner.All(x => x is NonFiniteLossException);
            foreach (string message in inner.Select(x => x.Message).Distinct())
                Console.Error.WriteLine(diverged ? $"{name}: {message}" : $"{name}: error: {message}");
            return diverged ? Diverged : DataError;
        }
        catch (Exception e)
        {
            return CrashReport.Report(e, name, argv);
        }
    }

    private static bool IsInputError(Exception e) =>
        e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or IOException or InvalidOperationException
            or UnauthorizedAccessException;

    /// <summary>"magvitseg bench eval": the verb the parse reached, for the first word of every error line.</summary>
    private static string VerbName(ParseResult parse)
    {
        var words = new List<string>();
        for (var c = parse.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            words.Insert(0, c.Command is RootCommand ? "magvitseg" : c.Command.Name);
        return string.Join(' ', words);
    }
}
