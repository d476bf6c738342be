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
            "--train-images", "8", "--val-images", "4", "--head-lr", "0.002", "--head-clip", "0.5",
            "--tokenizer", tmp.File("unused-tokenizer"), "--out", tmp.File("study"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(tmp.File("study"), "config.json")));
        var head = config.RootElement.GetProperty("HeadTraining");
        // The tiny profile trains heads at lr 1e-3 with gradient clip 1 for 40 steps.
        Assert.Equal(0.002, head.GetProperty("LearningRate").GetDouble());
        Assert.Equal(0.5, head.GetProperty("GradClip").GetDouble());
        Assert.Equal(2, head.GetProperty("Steps").GetInt32());
        Assert.Single(File.ReadAllLines(Path.Combine(tmp.File("study"), "study.csv")).Skip(1));
    }
}
