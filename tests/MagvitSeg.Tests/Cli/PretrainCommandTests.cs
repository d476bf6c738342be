using System.Text.Json;
using MagvitSeg.Tests.Data;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Cli;

public class PretrainCommandTests
{
    [Fact]
    public void TrainingOverridesReachTheSavedConfigAndResumeRefusesThem()
    {
        using var tmp = new TempDir();
        string run = tmp.File("tok");
        var first = CliRunner.Run("pretrain", "--profile", "tiny", "--out", run, "--steps", "2", "--disc-start", "-1",
            "--adversarial-weight", "0.05", "--beta1", "0.9", "--eval-every", "1");
        Assert.True(first.Code == 0, first.Out + first.Err);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        var training = config.RootElement.GetProperty("Training");
        // The tiny profile has beta1 0, an eval every 50 steps, the discriminator from step 100 at weight 0.1.
        Assert.Equal(0.9, training.GetProperty("Beta1").GetDouble());
        Assert.Equal(1, training.GetProperty("EvalEvery").GetInt32());
        Assert.Equal(-1, training.GetProperty("DiscriminatorStartStep").GetInt32());
        Assert.Equal(0.05, training.GetProperty("AdversarialWeight").GetDouble());
        // An eval every step: two rows in eval.csv (header + steps 1 and 2).
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "eval.csv")).Length);

        var resumed = CliRunner.Run("pretrain", "--out", run, "--resume", "--steps", "3", "--beta1", "0.5");
        Assert.NotEqual(0, resumed.Code);
        Assert.Contains("--beta1", resumed.Out + resumed.Err);
    }

    [Fact]
    public void MixedWithAFolderTrainsOnThatFolderOnly()
    {
        // mixed:DIR lets a run hold sample videos out for evaluation; one video in the folder must be the whole video half.
        using var tmp = new TempDir();
        string videos = Path.GetDirectoryName(SynthVideos.Write(tmp.File("synth"), count: 1, frames: 32)[0])!;
        var r = CliRunner.Run("pretrain", "--profile", "tiny", "--data", "mixed:" + videos, "--out", tmp.File("tok"), "--steps", "1", "--eval-every", "1");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("videos(1 files", r.Out);

        var missing = CliRunner.Run("pretrain", "--profile", "tiny", "--data", "mixed:" + tmp.File("nowhere"), "--out", tmp.File("tok2"), "--steps", "1");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("does not exist", missing.Out + missing.Err);
    }
    [Fact]
    public void ReconstructReportsTheBlockMeanReferenceAtTheTokenStride()
    {
        using var tmp = new TempDir();
        string run = tmp.File("tok");
        var trained = CliRunner.Run("pretrain", "--profile", "tiny", "--out", run, "--steps", "1", "--eval-every", "1");
        Assert.True(trained.Code == 0, trained.Out + trained.Err);
        string checkpoint = Directory.GetFiles(Path.Combine(run, "checkpoints"), "*.ckpt").Single();
        var r = CliRunner.Run("reconstruct", "--checkpoint", checkpoint, "--out", tmp.File("recon"), "--batches", "1");
        Assert.True(r.Code == 0, r.Out + r.Err);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(tmp.File("recon"), "metrics.json")));
        var reference = metrics.RootElement.GetProperty("BlockMeanPsnr");
        // tiny pools twice (4x); 2x2 means can only keep more than 4x4 means (the 4x4 error is the 2x2 error plus the
        // spread of the 2x2 means inside each 4x4 square), and textured MovingShapes is far from constant.
        double four = reference.GetProperty("4x4").GetDouble(), two = reference.GetProperty("2x2").GetDouble();
        Assert.InRange(four, 5, 40);
        Assert.True(two > four, $"2x2 {two} dB should exceed 4x4 {four} dB");
        Assert.True(File.Exists(Path.Combine(tmp.File("recon"), "recon.png")));
    }
}
