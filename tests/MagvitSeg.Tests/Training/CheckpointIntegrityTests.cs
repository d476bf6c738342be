using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Training;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)] // trains (global torch RNG, threads)
public class CheckpointIntegrityTests
{
    /// <summary>A run folder with checkpoints after steps 1, 2 and 3 (three steps of the tiny profile, batch 1).</summary>
    internal static PretrainOutput ThreeCheckpoints()
    {
        var p = TrainingFixtures.AllFeatures(steps: 3);
        p = p with { Training = p.Training with { LogEvery = 1, CheckpointEvery = 1, KeepCheckpoints = 10 } };
        var output = new PretrainOutput(TrainingFixtures.TempDir());
        using var trainer = new TokenizerTrainer(p, CPU);
        PretrainLoop.Run(trainer, TrainingFixtures.Clips(p), null, output, 3);
        return output;
    }

    internal static void Truncate(string path, long keep)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.SetLength(keep);
    }

    [Fact]
    public void ATruncatedCheckpointIsNamedWithItsExpectedLengthBeforeAnythingIsRead()
    {
        var output = ThreeCheckpoints();
        string newest = TokenizerCheckpoint.List(output.Checkpoints)[^1].Path;
        long full = new FileInfo(newest).Length;
        Assert.Equal(CheckpointStatus.Verified, TokenizerCheckpoint.Check(newest).Status);
        Truncate(newest, full / 2);
        var e = Assert.Throws<InvalidDataException>(() => TokenizerCheckpoint.Load(newest, CPU));
        Assert.Contains(newest, e.Message);
        Assert.Contains("is damaged", e.Message);
        // The header says how long the payload was, so both lengths are named (header: length-prefixed magic, 8-byte length, SHA-256).
        long header = 1 + "MAGVITSEG-TOKENIZER-CHECKPOINT-2".Length + 8 + 32;
        Assert.Contains($"payload {full / 2 - header} bytes, expected {full - header}", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void AFlippedPayloadByteFailsTheSha256()
    {
        var output = ThreeCheckpoints();
        string path = TokenizerCheckpoint.List(output.Checkpoints)[0].Path;
        var bytes = File.ReadAllBytes(path);
        bytes[^100] ^= 0x01; // the last bytes hold the RNG state: a flip there would load without complaint
        File.WriteAllBytes(path, bytes);
        var check = TokenizerCheckpoint.Check(path);
        Assert.Equal(CheckpointStatus.Damaged, check.Status);
        Assert.Contains("SHA-256", check.Message);
        Assert.Throws<InvalidDataException>(() => TokenizerCheckpoint.ReadProfile(path));
    }

    [Fact]
    public void NewestIntactSkipsADamagedNewestAndNamesIt()
    {
        var output = ThreeCheckpoints();
        var all = TokenizerCheckpoint.List(output.Checkpoints);
        Assert.Equal(new long[] { 1, 2, 3 }, all.Select(c => c.Step));
        Truncate(all[2].Path, 1000);
        var lines = new List<string>();
        Assert.Equal(all[1].Path, TokenizerCheckpoint.NewestIntact(output.Checkpoints, lines.Add));
        Assert.Contains(lines, l => l.StartsWith("skipping", StringComparison.Ordinal) && l.Contains(all[2].Path));
    }

    [Fact]
    public void EveryCheckpointDamagedIsOneClearError()
    {
        var output = ThreeCheckpoints();
        foreach (var (_, path) in TokenizerCheckpoint.List(output.Checkpoints)) Truncate(path, 10);
        var e = Assert.Throws<InvalidDataException>(() => TokenizerCheckpoint.NewestIntact(output.Checkpoints));
        Assert.Contains("Every checkpoint", e.Message);
        Assert.Contains("step-00000001.ckpt, step-00000002.ckpt, step-00000003.ckpt", e.Message);
        Assert.Contains("--force", e.Message);
    }
}
