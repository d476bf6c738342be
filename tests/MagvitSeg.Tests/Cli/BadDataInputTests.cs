using System.Security.Cryptography;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.Data;
using MagvitSeg.Tests.TestSupport;
using MagvitSeg.Tests.Training;
using MagvitSeg.Training;
using Xunit.Abstractions;

namespace MagvitSeg.Tests.Cli;

/// <summary>
/// Bad data content, one row per case (issue 19): damaged checkpoints for every verb that reads one, locked run folders,
/// damaged images, videos and frame folders, missing manifests. Each asserts the exit code, the message, and that no file
/// that was in the case folder before the command was changed or lost.
/// </summary>
[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)]
public class BadDataInputTests(ITestOutputHelper output)
{
    /// <summary>A case: prepares files in its folder and returns the command line; the exit code and a message fragment.</summary>
    private sealed record Case(Func<string, string[]> Arrange, int Code, string Message);

    // A finished tiny run (checkpoints after steps 1-3), trained once in this process and copied into each case that needs it.
    private static readonly Lazy<string> Run = new(() => CheckpointIntegrityTests.ThreeCheckpoints().Root);

    private static readonly string[] Tiny = { "--profile", "tiny", "--head-steps", "1", "--train-images", "4", "--val-images", "2" };

    // Locks the locked-folder cases hold while their command runs; declared before Cases, whose lambdas add to it.
    private static readonly List<RunLock> Held = new();

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["resume: every checkpoint truncated"] = new(d => Resume(d, cks => { foreach (var c in cks) Cut(c, 100); }), 1, "Every checkpoint in"),
        ["resume: the only checkpoint empty"] = new(d => Resume(d, cks => { File.Delete(cks[0]); File.Delete(cks[1]); Cut(cks[2], 0); }), 1, "Every checkpoint in"),
        ["resume: every checkpoint overwritten with text"] = new(d => Resume(d, cks => { foreach (var c in cks) File.WriteAllText(c, "not a checkpoint"); }), 1, "not a MagvitSeg tokenizer checkpoint"),
        ["reconstruct: truncated checkpoint"] = new(d => Reconstruct(d, c => Cut(c, new FileInfo(c).Length / 2)), 1, "is damaged: payload"),
        ["reconstruct: one flipped byte"] = new(d => Reconstruct(d, c => Flip(c, 5000)), 1, "SHA-256"),
        ["reconstruct: checkpoint cut inside its header"] = new(d => Reconstruct(d, c => Cut(c, 40)), 1, "shorter than its header"),
        ["reconstruct: a JSON file as checkpoint"] = new(d => Reconstruct(d, c => File.WriteAllText(c, "{\"step\": 3}")), 1, "not a MagvitSeg tokenizer checkpoint"),
        ["study --tokenizer: truncated checkpoint"] = new(d =>
        {
            string ckpt = CopyRun(d)[2];
            Cut(ckpt, 9000);
            return new[] { "study", "--variants", "a", "--seeds", "0", "--tokenizer", ckpt, "--out", Path.Combine(d, "study") }.Concat(Tiny).ToArray();
        }, 1, "is damaged: payload"),
        ["predict: truncated head.pt"] = new(d =>
        {
            var args = new[] { "--variant", "c", "--seed", "0", "--out", Path.Combine(d, "study") }.Concat(Tiny).ToArray();
            var trained = CliRunner.Run(new[] { "train-head" }.Concat(args).ToArray());
            Assert.True(trained.Code == 0, trained.Out + trained.Err);
            Cut(Path.Combine(d, "study", "runs", "c", "seed0", "head.pt"), 2000);
            return new[] { "predict" }.Concat(args).ToArray();
        }, 1, "head.pt' is damaged"),
        // A head that diverges stops on the step it happens, with exit 3 (as pretrain's tokenizer), not as a crash.
        ["train-head: the head diverges (lr 1e30)"] = new(d => new[] { "train-head", "--variant", "c", "--seed", "0", "--out", Path.Combine(d, "study"),
            "--profile", "tiny", "--head-steps", "4", "--train-images", "4", "--val-images", "2", "--head-lr", "1e30" }, 3,
            "Head training stopped: the head's outputs became NaN/Inf at step 1"),
        ["study --jobs 2: heads diverge side by side"] = new(d => new[] { "study", "--variants", "c", "--seeds", "0,1", "--jobs", "2", "--out", Path.Combine(d, "study"),
            "--profile", "tiny", "--head-steps", "4", "--train-images", "4", "--val-images", "2", "--head-lr", "1e30" }, 3,
            "Head training stopped: the head's outputs became NaN/Inf at step 1"),
        ["pretrain: run folder locked by another process"] = new(d =>
        {
            Held.Add(RunLock.Acquire(Path.Combine(d, "run")));
            return new[] { "pretrain", "--profile", "tiny", "--out", Path.Combine(d, "run"), "--steps", "1" };
        }, 1, $"is in use by another process (pid {Environment.ProcessId}"),
        ["pretrain --resume: run folder locked"] = new(d =>
        {
            CopyRun(d);
            Held.Add(RunLock.Acquire(Path.Combine(d, "run")));
            return new[] { "pretrain", "--out", Path.Combine(d, "run"), "--resume", "--steps", "4" };
        }, 1, "is in use by another process"),
        ["study: out folder locked"] = new(d =>
        {
            Held.Add(RunLock.Acquire(Path.Combine(d, "study")));
            return new[] { "study", "--variants", "c", "--seeds", "0", "--out", Path.Combine(d, "study") }.Concat(Tiny).ToArray();
        }, 1, "is in use by another process"),
        ["data verify: truncated JPEG, no --deep"] = new(d =>
        {
            string root = CopyCoco(d);
            string jpg = Directory.GetFiles(Path.Combine(root, "val2017"))[3];
            Cut(jpg, new FileInfo(jpg).Length * 2 / 3);
            return new[] { "data", "verify", "coco-tiny", "--root", root };
        }, 1, "no end-of-image marker (FF D9)"),
        ["data verify: JPEG with one byte changed"] = new(d =>
        {
            string root = CopyCoco(d);
            Flip(Directory.GetFiles(Path.Combine(root, "train2017"))[0], 700);
            return new[] { "data", "verify", "coco-tiny", "--root", root };
        }, 1, "manifest says"),
        ["data verify: annotations missing"] = new(d =>
        {
            string root = CopyCoco(d);
            File.Delete(Path.Combine(root, "annotations", "instances_val2017.json"));
            return new[] { "data", "verify", "coco-tiny", "--root", root };
        }, 1, "annotation file missing"),
        ["data verify: no such manifest"] = new(_ => new[] { "data", "verify", "coco-huge" }, 2, "no data manifest 'coco-huge'"),
        ["data verify: a video replaced by noise"] = new(d =>
        {
            string root = Path.Combine(d, "videos");
            Directory.CreateDirectory(root);
            foreach (var f in Directory.GetFiles(RepoPaths.SharedData("videos"))) File.Copy(f, Path.Combine(root, Path.GetFileName(f)));
            File.WriteAllBytes(Path.Combine(root, "bear.mp4"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 31 % 253)).ToArray());
            return new[] { "data", "verify", "sample-videos", "--root", root };
        }, 1, "bear.mp4"),
        ["pretrain --data videos: the only video is not a video"] = new(d =>
        {
            Directory.CreateDirectory(Path.Combine(d, "v"));
            File.WriteAllText(Path.Combine(d, "v", "clip.mp4"), "this is text, not H.264");
            return new[] { "pretrain", "--profile", "tiny", "--data", "videos:" + Path.Combine(d, "v"), "--out", Path.Combine(d, "run"), "--steps", "1" };
        }, 1, "is usable"),
        ["pretrain --data frames: empty frame folder"] = new(d =>
        {
            Directory.CreateDirectory(Path.Combine(d, "frames", "video0"));
            File.WriteAllText(Path.Combine(d, "frames", "README.txt"), "frames go here");
            return new[] { "pretrain", "--profile", "tiny", "--data", "frames:" + Path.Combine(d, "frames"), "--out", Path.Combine(d, "run"), "--steps", "1" };
        }, 1, "holds no .jpg/.jpeg/.png frames"),
        ["pretrain --data frames: frames that are truncated PNGs"] = new(d =>
        {
            string v = Path.Combine(d, "frames", "video0");
            Directory.CreateDirectory(v);
            for (int i = 0; i < 3; i++) File.WriteAllBytes(Path.Combine(v, $"{i:D3}.png"), new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0 });
            return new[] { "pretrain", "--profile", "tiny", "--data", "frames:" + Path.Combine(d, "frames"), "--out", Path.Combine(d, "run"), "--steps", "1" };
        }, 1, "is usable"),
    };

    // Cases that copy real files from the sample data (../shared/data): they run where it is present (and must, in CI).
    private static readonly HashSet<string> NeedSampleData = new()
    {
        "data verify: a video replaced by noise", "data verify: annotations missing", "data verify: truncated JPEG, no --deep",
        "data verify: JPEG with one byte changed",
    };

    public static TheoryData<string> Names() => new(Cases.Keys.Where(k => !NeedSampleData.Contains(k)));

    public static TheoryData<string> SampleDataNames() => new(Cases.Keys.Where(NeedSampleData.Contains));

    [Theory]
    [MemberData(nameof(Names))]
    public void BadDataGetsOneClearLineAndLeavesEveryFileAsItWas(string name) => Check(name);

    [SampleDataTheory("coco-tiny", "videos")]
    [MemberData(nameof(SampleDataNames))]
    public void BadSampleDataGetsOneClearLineAndLeavesEveryFileAsItWas(string name) => Check(name);

    private void Check(string name)
    {
        using var tmp = new TempDir();
        var c = Cases[name];
        try
        {
            var args = c.Arrange(tmp.Path);
            var before = Snapshot(tmp.Path);
            var r = CliRunner.Run(args);
            // The case table of the proof: name, exit code, the message line.
            output.WriteLine($"| {name} | {r.Code} | {(r.Out + r.Err).Split('\n').FirstOrDefault(l => l.Contains(c.Message, StringComparison.Ordinal))?.Trim()} |");
            Assert.True(r.Code == c.Code, $"{name}: exit {r.Code}, expected {c.Code}\n{r.Out}{r.Err}");
            Assert.True((r.Out + r.Err).Contains(c.Message, StringComparison.Ordinal), $"{name}: no '{c.Message}' in\n{r.Out}{r.Err}");
            Assert.DoesNotContain("   at ", r.Err); // no stack trace
            var after = Snapshot(tmp.Path);
            foreach (var (file, hash) in before)
            {
                Assert.True(after.ContainsKey(file), $"{name}: {file} was lost");
                Assert.True(after[file] == hash, $"{name}: {file} was changed");
            }
        }
        finally
        {
            foreach (var l in Held) l.Dispose();
            Held.Clear();
        }
    }

    // The .lock files are left out: this process holds some of them, and closing any handle to a file drops this
    // process's POSIX locks on it.
    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != RunLock.FileName).ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static string[] CopyRun(string caseDir)
    {
        string run = Path.Combine(caseDir, "run");
        foreach (var f in Directory.GetFiles(Run.Value, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != RunLock.FileName))
        {
            string to = Path.Combine(run, Path.GetRelativePath(Run.Value, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return TokenizerCheckpoint.List(Path.Combine(run, "checkpoints")).Select(c => c.Path).ToArray();
    }

    private static string[] Resume(string caseDir, Action<string[]> damage)
    {
        damage(CopyRun(caseDir));
        return new[] { "pretrain", "--out", Path.Combine(caseDir, "run"), "--resume", "--steps", "4" };
    }

    private static string[] Reconstruct(string caseDir, Action<string> damage)
    {
        string ckpt = CopyRun(caseDir)[1];
        damage(ckpt);
        return new[] { "reconstruct", "--checkpoint", ckpt, "--out", Path.Combine(caseDir, "recon"), "--batches", "1" };
    }

    private static string CopyCoco(string caseDir)
    {
        string src = RepoPaths.SharedData("coco-tiny"), root = Path.Combine(caseDir, "coco");
        foreach (var f in Directory.GetFiles(src, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(root, Path.GetRelativePath(src, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return root;
    }

    private static void Cut(string path, long length)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.SetLength(length);
    }

    private static void Flip(string path, long at)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }
}
