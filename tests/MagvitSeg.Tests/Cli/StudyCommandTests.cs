using System.Text.Json;
using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Cli;

public class StudyCommandTests
{
    [Fact]
    public void HeadOptimiserOverridesReachTheSavedConfig()
    {
        // The raw-pixel arm needs no tokenizer, so this runs in about a second.
        using var tmp = new TempDir();
        var r = CliRunner.Run("study", "--profile", "tiny", "--variants", "c", "--seeds", "0", "--head-steps", "2",
            "--train-images", "8", "--val-images", "4", "--head-lr", "0.002", "--head-clip", "0.5", "--nms-iou", "0.3",
            "--tokenizer", tmp.File("unused-tokenizer"), "--out", tmp.File("study"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(tmp.File("study"), "config.json")));
        var head = config.RootElement.GetProperty("HeadTraining");
        // The tiny profile trains heads at lr 1e-3 with gradient clip 1 for 40 steps.
        Assert.Equal(0.002, head.GetProperty("LearningRate").GetDouble());
        Assert.Equal(0.5, head.GetProperty("GradClip").GetDouble());
        Assert.Equal(2, head.GetProperty("Steps").GetInt32());
        // Inference defaults to mask NMS at 0.5; the run's evaluation names the setting it used.
        Assert.Equal(0.3, config.RootElement.GetProperty("inference").GetProperty("NmsIou").GetDouble());
        Assert.Contains("nms0.3", File.ReadAllText(Path.Combine(tmp.File("study"), "runs", "c", "seed0", "eval.txt")));
        Assert.Single(File.ReadAllLines(Path.Combine(tmp.File("study"), "study.csv")).Skip(1));
    }
    [Fact]
    public void ATokenizerCheckpointFileIsUsedAsItIsAndAnotherProfilesIsRefused()
    {
        using var tmp = new TempDir();
        // A tiny run of 1 step, resumed to 2 (a checkpoint each), keeping both; the study reads the step-1 encoder
        // without resuming the run.
        var trained = CliRunner.Run("pretrain", "--profile", "tiny", "--out", tmp.File("tok"), "--steps", "1", "--keep-checkpoints", "5",
            "--eval-every", "1", "--disc-start", "-1");
        Assert.True(trained.Code == 0, trained.Out + trained.Err);
        var resumed = CliRunner.Run("pretrain", "--out", tmp.File("tok"), "--resume", "--steps", "2");
        Assert.True(resumed.Code == 0, resumed.Out + resumed.Err);
        var checkpoints = Directory.GetFiles(Path.Combine(tmp.File("tok"), "checkpoints"), "*.ckpt").Order().ToArray();
        Assert.Equal(2, checkpoints.Length);
        string early = checkpoints[0];

        var r = CliRunner.Run("study", "--profile", "tiny", "--variants", "a", "--seeds", "0", "--head-steps", "2",
            "--train-images", "8", "--val-images", "4", "--tokenizer", early, "--out", tmp.File("study"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("as it is", r.Out);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(tmp.File("tok"), "checkpoints"), "*.ckpt").Length);
        // The run's encoder identity is the hash of exactly that file.
        string sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(early))).ToLowerInvariant();
        string runConfig = File.ReadAllText(Path.Combine(tmp.File("study"), "runs", "a", "seed0", "config.json"));
        Assert.Contains(sha[..16], runConfig.ToLowerInvariant());

        var cpu = CliRunner.Run("pretrain", "--profile", "cpu", "--out", tmp.File("tok-cpu"), "--steps", "1", "--eval-batches", "1");
        Assert.True(cpu.Code == 0, cpu.Out + cpu.Err);
        string other = Directory.GetFiles(Path.Combine(tmp.File("tok-cpu"), "checkpoints"), "*.ckpt").Single();
        var refused = CliRunner.Run("study", "--profile", "tiny", "--variants", "a", "--seeds", "0", "--head-steps", "2",
            "--train-images", "8", "--val-images", "4", "--tokenizer", other, "--out", tmp.File("study2"));
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("profile 'cpu'", refused.Out + refused.Err);

        var typo = CliRunner.Run("study", "--profile", "tiny", "--variants", "a", "--seeds", "0", "--head-steps", "2",
            "--train-images", "8", "--val-images", "4", "--tokenizer", tmp.File("step-00000001.ckpt"), "--out", tmp.File("study3"));
        Assert.NotEqual(0, typo.Code);
        Assert.Contains("does not exist", typo.Out + typo.Err);
        Assert.False(Directory.Exists(tmp.File("step-00000001.ckpt")));
    }
}
