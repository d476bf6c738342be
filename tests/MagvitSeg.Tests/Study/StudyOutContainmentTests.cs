using MagvitSeg.Config;
using MagvitSeg.Study;
using MagvitSeg.Tests.Data;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Study;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)]
public class StudyOutContainmentTests
{
    [Fact]
    public void AStudyWithAnOutFolderTrainsItsTokenizersUnderThatFolder()
    {
        // Issue 19: 'study --out Y' trained its tokenizers into the checkout's results/. Two-step tokenizers keep it fast.
        using var tmp = new TempDir();
        string root = tmp.File("Y");
        var tiny = StudyProfile.Tiny;
        var profile = tiny with { Tokenizer = tiny.Tokenizer with { Training = tiny.Tokenizer.Training with { Steps = 2, EvalEvery = 0 } } };
        var paths = StudyPaths.Default(profile.Name, root);
        Assert.Equal(Path.Combine(root, "tokenizer"), paths.Tokenizer);
        Assert.Equal(Path.Combine(root, "tokenizer-2d"), paths.ImageTokenizer);
        using (var runner = new StudyRunner(profile, paths, CPU) { ExportSafetensors = false })
        {
            runner.Encoder(FeatureEncoder.Video);
            runner.Encoder(FeatureEncoder.Image);
        }
        Assert.Equal(2, TokenizerCheckpoint.List(Path.Combine(root, "tokenizer", "checkpoints")).Single().Step);
        Assert.Equal(2, TokenizerCheckpoint.List(Path.Combine(root, "tokenizer-2d", "checkpoints")).Single().Step);
        // Without --out the layout stays results/<profile>/...
        Assert.EndsWith(Path.Combine("results", "tiny", "tokenizer"), StudyPaths.Default("tiny").Tokenizer);
    }
}
