using System.Diagnostics;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.Cli;
using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Runtime;

public class RunLockTests
{
    [Fact]
    public void ASecondLockOnTheSameFolderIsRefusedNamingTheHolderUntilTheFirstIsReleased()
    {
        using var tmp = new TempDir();
        var first = RunLock.Acquire(tmp.Path);
        var e = Assert.Throws<IOException>(() => RunLock.Acquire(tmp.Path));
        Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}", e.Message);
        Assert.Contains(tmp.Path, e.Message);
        first.Dispose();
        RunLock.Acquire(tmp.Path).Dispose();
    }

    [Fact]
    public void StaleTempFilesAreRemovedWhenTheLockIsTaken()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("checkpoints"));
        string[] stale = { tmp.File("config.json.tmp"), Path.Combine(tmp.Path, "checkpoints", "step-00000003.ckpt.tmp"), tmp.File("eval.csv.tmp-123-abc") };
        string[] kept = { tmp.File("config.json"), Path.Combine(tmp.Path, "checkpoints", "step-00000002.ckpt"), tmp.File("notes.tmpl") };
        foreach (var f in stale.Concat(kept)) File.WriteAllText(f, "x");
        var lines = new List<string>();
        using (RunLock.Acquire(tmp.Path, lines.Add))
        {
            Assert.All(stale, f => Assert.False(File.Exists(f), f));
            Assert.All(kept, f => Assert.True(File.Exists(f), f));
        }
        Assert.Contains(lines, l => l.Contains("removed 3 stale temp file(s)") && l.Contains("config.json.tmp"));
    }

    [Fact]
    public void ASecondPretrainIntoALockedFolderExitsOneNamingTheHolderAndKillNineReleasesTheLock()
    {
        using var tmp = new TempDir();
        string run = tmp.File("run");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "magvitseg.dll"), "pretrain", "--profile", "tiny", "--out", run, "--steps", "100000" })
            psi.ArgumentList.Add(a);
        using var holder = Process.Start(psi)!;
        holder.OutputDataReceived += (_, _) => { };
        holder.ErrorDataReceived += (_, _) => { };
        holder.BeginOutputReadLine();
        holder.BeginErrorReadLine();
        try
        {
            var wait = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(run, "metrics.csv")) && wait.Elapsed.TotalSeconds < 120) Thread.Sleep(200);
            Assert.False(holder.HasExited, "the holder ended early");
            var second = CliRunner.Run("pretrain", "--profile", "tiny", "--out", run, "--steps", "1", "--force");
            Assert.Equal(1, second.Code);
            Assert.Contains($"is in use by another process (pid {holder.Id} on {Environment.MachineName}", second.Err);
            Assert.Single(second.Err.Split('\n'), l => l.StartsWith("magvitseg", StringComparison.Ordinal)); // libtorch may warn on stderr too
        }
        finally
        {
            holder.Kill(); // SIGKILL on Unix: the holder gets no chance to release anything itself
            holder.WaitForExit();
        }
        var after = CliRunner.Run("pretrain", "--profile", "tiny", "--out", run, "--steps", "1", "--force");
        Assert.True(after.Code == 0, after.Out + after.Err);
    }
}
