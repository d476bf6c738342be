using System.Text.Json;
using MagvitSeg.Tests.Data;

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
        // mixed:DIR lets a run hold sample videos out for evaluation; one linked video must be the whole video half.
        using var tmp = new TempDir();
        string videos = tmp.File("videos");
        Directory.CreateDirectory(videos);
        File.CreateSymbolicLink(Path.Combine(videos, "cat.mp4"), Path.Combine(MagvitSeg.Runtime.RepoPaths.SharedData("videos"), "cat.mp4"));
        var r = CliRunner.Run("pretrain", "--profile", "tiny", "--data", "mixed:" + videos, "--out", tmp.File("tok"), "--steps", "1", "--eval-every", "1");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("videos(1 files", r.Out);

        var missing = CliRunner.Run("pretrain", "--profile", "tiny", "--data", "mixed:" + tmp.File("nowhere"), "--out", tmp.File("tok2"), "--steps", "1");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("does not exist", missing.Out + missing.Err);
    }
}
