using MagvitSeg.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.Notebooks;

/// <summary>
/// Runs notebooks headless with dotnet-repl (the tool pinned in .config/dotnet-tools.json). The first cell of
/// notebook 00 builds artifacts/kernel itself when missing or stale (about 20 s), so nothing needs building first.
/// </summary>
[Trait("Category", "Notebook")]
public class NotebookRunnerTests
{
    [Fact]
    public void EnvironmentNotebookRunsAndSavesTensorChartAndImageOutputs()
    {
        string root = RepoPaths.RepoRoot();
        string outDir = Path.Combine(Path.GetTempPath(), "magvitseg-nb-" + Guid.NewGuid().ToString("N"));
        try
        {
            var results = NotebookRunner.RunAll(root, "tiny", outDir, only: "00", timeoutPerNotebook: TimeSpan.FromMinutes(8));
            var r = Assert.Single(results);
            Assert.True(r.Succeeded, $"exit {r.ExitCode}, error {r.FirstError}, console:\n{r.ConsoleTail}");
            var outputs = Ipynb.Outputs(r.OutputPath);
            Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("profile: tiny"));
            // The tensor cell: sum of 1..6 computed by TorchSharp inside the kernel.
            Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("sum of 1..6 = 21"));
            // The chart: plotly.js inlined once (offline) and the figure drawn with it.
            var html = outputs.Where(o => o.Kind == "text/html").ToList();
            Assert.Single(html, o => o.Text.Contains("plotly.js v4.1.2"));
            Assert.Contains(html, o => o.Text.Contains("Plotly.newPlot") && o.Text.Contains("Display check"));
            // The PNG: an image/png output whose base64 decodes to a PNG file.
            var png = Assert.Single(outputs, o => o.Kind == "image/png");
            var bytes = Convert.FromBase64String(png.Text.Trim());
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.Contains(outputs, o => o.Text.Contains("matmul 20/20 (100.0%)"));
        }
        finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, true); }
    }

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
