using System.Security.Cryptography;
using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Cli;

/// <summary>
/// The command line's bad-input table: every case runs the built magvitseg in a fresh folder holding files a careless
/// command could damage (a run with a checkpoint, a results folder, a note), and asserts the exit code (0 help, 1 data,
/// 2 usage), that the message names what was wrong, that no stack trace reaches the user, and that every file that was
/// there before is still there, byte for byte (a usage error also creates nothing). <c>{dir}</c> in an argument or a
/// message is the case's folder.
/// </summary>
public class CliBadInputTests
{
    public static TheoryData<string, int, string, string[]> Cases()
    {
        var t = new TheoryData<string, int, string, string[]>();
        void Add(string name, int code, string message, params string[] args) => t.Add(name, code, message, args);

        // Numbers: range, sign, finiteness and spelling, checked by the option before any work starts.
        Add("pretrain negative steps", 2, "--steps -5: expected an integer >= 1", "pretrain", "--profile", "tiny", "--steps", "-5");
        Add("pretrain zero steps", 2, "--steps 0: expected an integer >= 1", "pretrain", "--profile", "tiny", "--steps", "0");
        Add("pretrain fractional steps", 2, "--steps 2.5: expected an integer", "pretrain", "--profile", "tiny", "--steps", "2.5");
        Add("pretrain steps overflow", 2, "--steps 99999999999", "pretrain", "--profile", "tiny", "--steps", "99999999999");
        Add("pretrain steps not a number", 2, "--steps abc: expected an integer", "pretrain", "--profile", "tiny", "--steps", "abc");
        Add("pretrain negative lr", 2, "--lr -1: expected a finite number > 0", "pretrain", "--profile", "tiny", "--lr", "-1");
        Add("pretrain NaN lr", 2, "--lr NaN: expected a finite number > 0", "pretrain", "--profile", "tiny", "--lr", "NaN");
        Add("pretrain infinite lr", 2, "--lr Infinity", "pretrain", "--profile", "tiny", "--lr", "Infinity");
        Add("pretrain zero lr", 2, "--lr 0: expected a finite number > 0", "pretrain", "--profile", "tiny", "--lr", "0");
        Add("pretrain negative batch", 2, "--batch -3: expected an integer >= 1", "pretrain", "--profile", "tiny", "--batch", "-3");
        Add("pretrain beta1 of 1", 2, "--beta1 1: expected a finite number in [0, 1)", "pretrain", "--profile", "tiny", "--beta1", "1");
        Add("pretrain negative adversarial weight", 2, "--adversarial-weight -0.1", "pretrain", "--profile", "tiny", "--adversarial-weight", "-0.1");
        Add("pretrain zero checkpoints kept", 2, "--keep-checkpoints 0", "pretrain", "--profile", "tiny", "--keep-checkpoints", "0");
        Add("pretrain negative threads", 2, "--threads -1: expected an integer >= 0", "pretrain", "--profile", "tiny", "--threads", "-1");
        Add("pretrain zero multiplier", 2, "--multipliers '1,0,2': '0' is not a positive integer", "pretrain", "--profile", "tiny", "--multipliers", "1,0,2");
        Add("pretrain option given twice", 2, "--steps", "pretrain", "--profile", "tiny", "--steps", "3", "--steps", "4");
        Add("study negative head steps", 2, "--head-steps -5: expected an integer >= 1", "study", "--head-steps", "-5");
        Add("study NMS IoU above 1", 2, "--nms-iou 1.5: expected a finite number from 0 to 1", "study", "--nms-iou", "1.5");
        Add("study zero head lr", 2, "--head-lr 0", "study", "--head-lr", "0");
        Add("study zero train images", 2, "--train-images 0", "study", "--train-images", "0");
        Add("study bad seed list", 2, "--seeds '0,x': 'x' is not a non-negative integer", "study", "--seeds", "0,x");
        Add("train-head negative seed", 2, "--seed -1: expected an integer >= 0", "train-head", "--variant", "a", "--seed", "-1");
        Add("predict negative clip", 2, "--head-clip -0.5", "predict", "--variant", "a", "--head-clip", "-0.5");
        Add("reconstruct zero batch", 2, "--batch 0: expected an integer >= 1", "reconstruct", "--checkpoint", "{dir}/run/checkpoints/step-00000001.ckpt", "--out", "{dir}/recon", "--batch", "0");
        Add("eval mIoU score above 1", 2, "--miou-score 2", "eval", "--gt", "{dir}/gt.json", "--dt", "{dir}/dt.json", "--miou-score", "2");
        Add("bench eval zero images", 2, "--images 0: expected an integer >= 1", "bench", "eval", "--images", "0");
        Add("bench synth negative warm-up", 2, "--warmup -1: expected a finite number >= 0", "bench", "synth", "--warmup", "-1");
        Add("bench decode zero depth", 2, "--depth 0", "bench", "decode", "--depth", "0");
        Add("bench coco-load zero size", 2, "--mb 0", "bench", "coco-load", "--mb", "0");
        Add("data synth negative videos", 2, "--videos -1: expected an integer >= 0", "data", "synth", "--out", "{dir}/synth", "--videos", "-1");
        Add("notebooks zero timeout", 2, "--timeout-minutes 0", "notebooks", "run", "--timeout-minutes", "0");

        // Names: verbs, profiles, variants and other words checked against the library's own lists.
        Add("unknown verb", 2, "Unrecognized command or argument 'frobnicate'", "frobnicate");
        Add("group without its verb", 2, "name one of its verbs: coco-load", "bench");
        Add("unknown verb in a group", 2, "Unrecognized command or argument 'gpu'", "bench", "gpu");
        Add("help for an unknown verb", 2, "Unrecognized command or argument 'nosuch'", "help", "nosuch");
        Add("help with an unknown option", 2, "Unrecognized command or argument '--stpes'", "pretrain", "--stpes", "5", "--help");
        Add("unknown option", 2, "Unrecognized command or argument '--iou-typo'", "eval", "--gt", "{dir}/gt.json", "--dt", "{dir}/dt.json", "--iou-typo", "segm");
        Add("stray argument", 2, "Unrecognized command or argument 'tiny'", "pretrain", "tiny");
        Add("unknown study variant", 2, "Unknown study variant 'z'. Known variants: a,", "study", "--variants", "a,z");
        Add("unknown one-stage variant", 2, "Unknown study variant 'q'", "train-head", "--variant", "q");
        Add("unknown study profile", 2, "Unknown study profile 'huge'. Known profiles: tiny,", "study", "--profile", "huge");
        Add("unknown tokenizer profile", 2, "Unknown tokenizer profile 'huge'. Known profiles: tiny,", "pretrain", "--profile", "huge");
        Add("unknown profile in a list", 2, "Unknown tokenizer profile 'huge'", "bench", "tokenizer", "--profiles", "tiny,huge");
        Add("unknown head profile", 2, "Unknown head profile 'huge'", "bench", "head", "--profile", "huge");
        Add("bench head level without its side", 2, "--levels '16x32,32': '32' is not channels x side, e.g. 16x32.", "bench", "head", "--levels", "16x32,32");
        Add("unknown notebook profile", 2, "Unknown study profile 'huge'", "notebooks", "run", "--profile", "huge");
        Add("unknown feature selection", 2, "Unknown feature selection 'pyramid-huge'", "study", "--selection", "pyramid-huge");
        Add("unknown IoU type", 2, "--iou-type 'mask': expected segm or bbox", "eval", "--gt", "{dir}/gt.json", "--dt", "{dir}/dt.json", "--iou-type", "mask");
        Add("unknown bench IoU type", 2, "--iou-type 'all': expected segm, bbox or both", "bench", "eval", "--iou-type", "all");
        Add("unknown codebook init", 2, "--codebook-init 'zeros': expected data or uniform", "pretrain", "--profile", "tiny", "--codebook-init", "zeros");
        Add("unknown data source", 2, "--data 'webcam' is not known", "pretrain", "--profile", "tiny", "--data", "webcam");
        Add("unknown device", 2, "--device 'gpu': expected auto, cpu, cuda or cuda:N", "info", "--device", "gpu");
        Add("unknown export format", 2, "--format 'gif': expected frames or mp4", "data", "synth", "--out", "{dir}/synth", "--format", "gif");
        Add("unknown dataset", 2, "no data manifest 'nosuch': expected coco-tiny,", "data", "verify", "nosuch");
        Add("notebook number not two digits", 2, "--only '7': expected a two-digit notebook number", "notebooks", "run", "--only", "7");
        Add("repo that is not a checkout", 2, "--repo '{dir}': not a MagvitSeg checkout", "--repo", "{dir}", "info");

        // Missing pieces and refusals a verb finds from the command line alone.
        Add("eval without --dt", 2, "Option '--dt' is required", "eval", "--gt", "{dir}/gt.json");
        Add("reconstruct without --checkpoint", 2, "Option '--checkpoint' is required", "reconstruct", "--out", "{dir}/recon");
        Add("extract without --variant", 2, "Option '--variant' is required", "extract");
        Add("data synth without --out", 2, "Option '--out' is required", "data", "synth");
        Add("data verify without a name", 2, "Required argument 'NAME' missing", "data", "verify");
        Add("pretrain new run without a profile", 2, "missing required option --profile (tiny,", "pretrain", "--out", "{dir}/new-run");
        Add("pretrain over an existing run", 2, "already has checkpoints: pass --resume", "pretrain", "--profile", "tiny", "--out", "{dir}/run");
        Add("pretrain resume with nothing to resume", 2, "--resume: no checkpoint in", "pretrain", "--resume", "--out", "{dir}/empty");
        Add("extract a fine-tuned variant", 2, "variant 'g' fine-tunes the encoder", "extract", "--variant", "g", "--out", "{dir}/study");

        // Files: missing, or a folder where a file belongs (data errors, exit 1, naming the path).
        Add("eval ground truth missing", 1, "{dir}/missing.json", "eval", "--gt", "{dir}/missing.json", "--dt", "{dir}/keep.txt");
        Add("eval ground truth is a folder", 1, "{dir}/notes", "eval", "--gt", "{dir}/notes", "--dt", "{dir}/keep.txt");
        Add("reconstruct checkpoint missing", 1, "{dir}/missing.ckpt", "reconstruct", "--checkpoint", "{dir}/missing.ckpt", "--out", "{dir}/recon");
        Add("reconstruct checkpoint is a folder", 1, "{dir}/notes", "reconstruct", "--checkpoint", "{dir}/notes", "--out", "{dir}/recon");
        Add("study COCO folder without annotations", 1, "--coco '{dir}/empty' has no annotations/instances_train2017.json", "study", "--coco", "{dir}/empty", "--out", "{dir}/study");
        Add("pretrain video folder missing", 1, "video folder '{dir}/novideos' does not exist", "pretrain", "--profile", "tiny", "--data", "videos:{dir}/novideos", "--out", "{dir}/run2", "--steps", "1");
        Add("verify a dataset in an empty folder", 1, "problem(s)", "data", "verify", "coco-tiny", "--root", "{dir}/empty");

        // Help and version: generated for every verb, exit 0.
        foreach (string verb in new[] { "info", "notebooks run", "eval", "data verify", "data synth", "bench coco-load", "bench synth", "bench decode", "bench eval",
                                        "pretrain", "reconstruct", "bench tokenizer", "study", "extract", "train-head", "predict", "bench head" })
            Add($"{verb} --help", 0, $"magvitseg {verb} ", verb.Split(' ').Append("--help").ToArray());
        Add("help study", 0, "magvitseg study [options]", "help", "study");
        Add("bench --help", 0, "magvitseg bench [command] [options]", "bench", "--help");
        Add("--help", 0, "Exit codes: 0 ok, 1 bad data, 2 usage", "--help");
        Add("--version", 0, "+", "--version");
        // Tab completion (System.CommandLine's [suggest] directive, which the README's bash line calls).
        Add("complete a verb", 0, "study", "[suggest:12]", "magvitseg st");
        Add("complete a profile", 0, "tiny", "[suggest:26]", "magvitseg study --profile ");
        Add("complete a dataset", 0, "coco-tiny", "[suggest:24]", "magvitseg data verify co");
        return t;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputGivesItsExitCodeAndOneClearLineAndLeavesFilesAlone(string name, int code, string message, string[] args)
    {
        using var tmp = new TempDir();
        string dir = tmp.Path;
        Seed(dir);
        var before = Snapshot(dir);
        var env = new Dictionary<string, string> { ["MAGVITSEG_RESULTS"] = Path.Combine(dir, "results"), ["TMPDIR"] = Path.Combine(dir, "tmp"),
                                                 // No diagnostics socket in TMPDIR: only what the command itself writes counts.
                                                 ["DOTNET_EnableDiagnostics"] = "0" };
        var r = CliRunner.RunIn(dir, env, args.Select(a => a.Replace("{dir}", dir, StringComparison.Ordinal)).ToArray());

        string expected = message.Replace("{dir}", dir, StringComparison.Ordinal);
        string all = r.Out + r.Err;
        Assert.True(r.Code == code, $"{name}: exit {r.Code}, expected {code}\n{all}");
        // Errors go to stderr, on a line of their own that starts with the verb; help and version to stdout.
        string stream = code == 0 ? r.Out : r.Err;
        var line = stream.Split('\n').FirstOrDefault(l => l.Contains(expected, StringComparison.Ordinal));
        Assert.True(line is not null, $"{name}: expected '{expected}' in {(code == 0 ? "stdout" : "stderr")}\n{all}");
        if (code != 0) Assert.StartsWith("magvitseg", line);
        Assert.DoesNotContain("Unhandled exception", all);
        Assert.DoesNotContain("   at ", all);
        Assert.DoesNotContain("(full trace: ", all);

        var after = Snapshot(dir);
        foreach (var (file, hash) in before)
        {
            Assert.True(after.TryGetValue(file, out var now), $"{name}: {file} was deleted");
            Assert.True(now == hash, $"{name}: {file} was changed");
        }
        // A usage error stops before any work: nothing new either.
        if (code is 0 or 2) Assert.Equal(before.Keys.Order(), after.Keys.Order());
    }

    /// <summary>What a careless command could damage: a run with a checkpoint, results, a note, an empty and a non-empty folder.</summary>
    private static void Seed(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "run", "checkpoints"));
        File.WriteAllBytes(Path.Combine(dir, "run", "checkpoints", "step-00000001.ckpt"), Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
        File.WriteAllText(Path.Combine(dir, "run", "config.json"), "{\"Name\": \"tiny\"}");
        Directory.CreateDirectory(Path.Combine(dir, "results", "tiny", "study"));
        File.WriteAllText(Path.Combine(dir, "results", "tiny", "study", "study.csv"), "variant,seed,AP\na,0,12.5\n");
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "precious");
        Directory.CreateDirectory(Path.Combine(dir, "notes"));
        File.WriteAllText(Path.Combine(dir, "notes", "todo.md"), "- nothing\n");
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                 .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
