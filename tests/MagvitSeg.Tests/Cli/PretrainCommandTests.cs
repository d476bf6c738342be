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
}
