using MagvitSeg.Tests.Training;
using MagvitSeg.Training;

namespace MagvitSeg.Tests.Cli;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)]
public class ResumeDamagedTests
{
    [Fact]
    public void ResumeSkipsADamagedNewestCheckpointAndContinuesFromTheSecond()
    {
        var output = CheckpointIntegrityTests.ThreeCheckpoints();
        string third = TokenizerCheckpoint.List(output.Checkpoints)[2].Path;
        CheckpointIntegrityTests.Truncate(third, new FileInfo(third).Length - 4096); // a disk that filled up mid-write
        var r = CliRunner.Run("pretrain", "--out", output.Root, "--resume", "--steps", "4");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains($"skipping a damaged checkpoint: checkpoint '{third}' is damaged", r.Out);
        Assert.Contains("step-00000002.ckpt (step 2)", r.Out);
        // Steps 2 and 3 were trained again: metrics.csv holds each step once, and the rewritten step 3 is intact.
        var steps = File.ReadAllLines(output.MetricsCsv).Skip(1).Select(l => l.Split(',')[0]);
        Assert.Equal(new[] { "0", "1", "2", "3" }, steps);
        Assert.Equal(CheckpointStatus.Verified, TokenizerCheckpoint.Check(third).Status);
        Assert.Equal(4, TokenizerCheckpoint.List(output.Checkpoints)[^1].Step);
    }

    [Fact]
    public void ResumeWithEveryCheckpointDamagedFailsWithOneLine()
    {
        var output = CheckpointIntegrityTests.ThreeCheckpoints();
        foreach (var (_, path) in TokenizerCheckpoint.List(output.Checkpoints)) CheckpointIntegrityTests.Truncate(path, 100);
        var r = CliRunner.Run("pretrain", "--out", output.Root, "--resume", "--steps", "4");
        Assert.Equal(1, r.Code);
        Assert.Contains("Every checkpoint in", r.Err);
        Assert.Contains("--force", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }
}
