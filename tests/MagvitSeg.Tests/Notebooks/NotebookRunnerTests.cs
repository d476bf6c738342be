using MagvitSeg.Cli.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.Notebooks;

/// <summary>
/// The runner itself on a throw-away notebook; the project's notebooks run in <see cref="NotebookSequenceTests"/>.
/// </summary>
[Trait("Category", "Notebook")]
public class NotebookRunnerTests
{
    [Fact]
    public void FailingCellIsReportedWithItsError()
    {
        string root = RepoPaths.RepoRoot();
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-nbfail-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string nb = Path.Combine(dir, "99-fails.dib");
            File.WriteAllText(nb, """
                #!meta

                {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

                #!csharp

                Console.WriteLine("first cell ran");

                #!csharp

                throw new InvalidOperationException("boom from cell two");

                """);
            NotebookRunner.EnsureTool(root);
            var r = NotebookRunner.Run(root, nb, "tiny", Path.Combine(dir, "out", "99-fails.ipynb"), TimeSpan.FromMinutes(3));
            Assert.False(r.Succeeded);
            Assert.NotEqual(0, r.ExitCode);
            Assert.NotNull(r.FirstError);
            Assert.Equal(1, r.FirstError!.CellIndex);
            Assert.Contains("boom from cell two", r.FirstError.Message);
            Assert.True(File.Exists(r.OutputPath));
        }
        finally { Directory.Delete(dir, true); }
    }
}
