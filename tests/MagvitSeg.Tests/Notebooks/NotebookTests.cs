using MagvitSeg.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.Notebooks;

/// <summary>Runs the notebooks headless (dotnet-repl) with the tiny profile, as a user's kernel would run them.</summary>
public class NotebookTests
{
    [Fact]
    public void EnvironmentNotebookLoadsTheLibraryAndTorchSharpInAKernel()
    {
        string root = RepoPaths.RepoRoot();
        NotebookRunner.EnsureKernelBuild(root);
        string outDir = Path.Combine(Path.GetTempPath(), "magvitseg-nb-" + Guid.NewGuid().ToString("N"));
        var run = NotebookRunner.Run(root, Path.Combine(root, "notebooks", "00-environment.dib"), "tiny", outDir);
        Assert.True(run.Ok, run.Error);
        string text = File.ReadAllText(run.Output);
        Assert.Contains("profile: tiny", text);
        Assert.Contains("ones(2,3).sum() = 6", text);     // a tensor computed inside the kernel
        Assert.Contains("libtorch 2.10", text);
        Directory.Delete(outDir, true);
    }
}
