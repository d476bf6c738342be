using MagvitSeg.Cli.Notebooks;
using MagvitSeg.Runtime;
using Xunit.Abstractions;

namespace MagvitSeg.Tests.Notebooks;

/// <summary>
/// Runs every notebook (notebooks/NN-*.dib) once, in order, headless with the tiny profile, through the route of
/// <c>magvitseg notebooks run</c> (<see cref="NotebookRunner.RunAll"/>), with results written to a temporary folder
/// (<see cref="RepoPaths.ResultsEnv"/>) so a developer's results/ are neither used nor touched: notebook 02 trains
/// the tiny tokenizer from scratch and 03 reads it. The first cell of each notebook builds artifacts/kernel when
/// missing or stale, so nothing needs building first.
/// </summary>
public sealed class NotebookSequenceFixture : IDisposable
{
    public NotebookSequenceFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "magvitseg-notebooks-" + Guid.NewGuid().ToString("N"));
        ResultsRoot = Path.Combine(Root, "results");
        var log = new List<string>();
        Results = NotebookRunner.RunAll(RepoPaths.RepoRoot(), "tiny", Path.Combine(Root, "notebooks"), log: log.Add,
            timeoutPerNotebook: TimeSpan.FromMinutes(10),
            environment: new Dictionary<string, string> { [RepoPaths.ResultsEnv] = ResultsRoot });
        Log = log;
    }

    /// <summary>The temporary folder (executed notebooks and results).</summary>
    public string Root { get; }

    /// <summary>What the notebooks saw as results/.</summary>
    public string ResultsRoot { get; }

    /// <summary>The notebooks that ran, in order (the run stops at the first failure).</summary>
    public IReadOnlyList<NotebookResult> Results { get; }

    /// <summary>The runner's progress lines (name, time, outcome per notebook).</summary>
    public IReadOnlyList<string> Log { get; }

    /// <summary>The result of notebook NN; fails the test when it did not run or did not pass.</summary>
    public NotebookResult Passed(string number)
    {
        var r = Results.FirstOrDefault(x => Path.GetFileName(x.Notebook).StartsWith(number + "-", StringComparison.Ordinal));
        Assert.True(r is not null, $"notebook {number} did not run (an earlier one failed?):\n{string.Join("\n", Log)}");
        Assert.True(r!.Succeeded, $"notebook {Path.GetFileName(r.Notebook)}: exit {r.ExitCode}, error {r.FirstError}, console:\n{r.ConsoleTail}");
        return r;
    }

    /// <summary>A figure of the tiny profile: asserts it exists and is a PNG.</summary>
    public void AssertFigures(params string[] names)
    {
        foreach (var name in names)
        {
            string path = Path.Combine(ResultsRoot, "tiny", "figures", name + ".png");
            Assert.True(File.Exists(path), $"figure {path} was not written");
            AssertPng(File.ReadAllBytes(path), path);
        }
    }

    public static void AssertPng(byte[] bytes, string what)
    {
        Assert.True(bytes.Length > 8, $"{what} is empty");
        Assert.True(bytes[..4].SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), $"{what} is not a PNG");
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

/// <summary>One test per notebook, each checking the outputs and figures of the shared ordered run.</summary>
[Trait("Category", "Notebook")]
public class NotebookSequenceTests(NotebookSequenceFixture run, ITestOutputHelper output) : IClassFixture<NotebookSequenceFixture>
{
    private IReadOnlyList<NotebookOutput> Outputs(string number)
    {
        var r = run.Passed(number);
        output.WriteLine($"{Path.GetFileName(r.Notebook)}: {r.Elapsed.TotalSeconds:F0} s");
        var outputs = Ipynb.Outputs(r.OutputPath);
        var html = outputs.Where(o => o.Kind == "text/html").ToList();
        // plotly.js is inlined once per notebook (offline), and only there.
        if (html.Any(o => o.Text.Contains("Plotly.newPlot"))) Assert.Single(html, o => o.Text.Contains("plotly.js v4.1.2"));
        foreach (var png in outputs.Where(o => o.Kind == "image/png"))
            NotebookSequenceFixture.AssertPng(Convert.FromBase64String(png.Text.Trim()), $"an image/png output of notebook {number}");
        return outputs;
    }

    private static void AssertChart(IReadOnlyList<NotebookOutput> outputs, string title) =>
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("Plotly.newPlot") && o.Text.Contains(title));

    [Fact]
    public void Environment00ShowsTensorChartImageAndProgress()
    {
        var outputs = Outputs("00");
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("profile: tiny"));
        // The tensor cell: sum of 1..6 computed by TorchSharp inside the kernel.
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("sum of 1..6 = 21"));
        AssertChart(outputs, "Display check");
        Assert.Single(outputs, o => o.Kind == "image/png");
        Assert.Contains(outputs, o => o.Text.Contains("matmul 20/20 (100.0%)"));
    }

    [Fact]
    public void Data01ShowsClipsOverlaysStatisticsAndWritesFigures()
    {
        var outputs = Outputs("01");
        Assert.True(outputs.Count(o => o.Kind == "image/png") >= 4);
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("@keyframes magvitseg-clip-"));     // the playing clips
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains($"{Path.GetFileName(RepoPaths.CocoSample())} val"));
        AssertChart(outputs, "Instances per image");
        AssertChart(outputs, "Instance area");
        run.AssertFigures("01-clips", "01-clip-instances", "01-stills-instances", "01-coco-instances",
                          "01-instances-per-image", "01-instance-area", "01-categories-shapes", "01-categories-coco");
    }

    [Fact]
    public void Pretraining02TrainsWithProgressDrawsCurvesAndReconstructions()
    {
        var outputs = Outputs("02");
        // A fresh results folder: the tiny tokenizer is trained here, its progress line updated to the end.
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("trained the 'tiny' tokenizer for 200 steps"));
        Assert.Contains(outputs, o => o.Text.Contains("tokenizer 200/200 (100.0%)"));
        AssertChart(outputs, "Training losses");
        AssertChart(outputs, "Reconstruction PSNR");
        AssertChart(outputs, "Codebook perplexity");
        Assert.Contains(outputs, o => o.Kind == "image/png");
        Assert.True(File.Exists(Path.Combine(run.ResultsRoot, "tiny", "tokenizer", "checkpoints", "step-00000200.ckpt")));
        run.AssertFigures("02-losses", "02-psnr", "02-perplexity", "02-reconstructions");
    }

    [Fact]
    public void LatentInspection03ReusesTheRunAndShowsCodesPcaAndConditioning()
    {
        var outputs = Outputs("03");
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("reused the finished 'tiny' run"));
        AssertChart(outputs, "Codebook usage");
        AssertChart(outputs, "Latent frames vs the condition frame");
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("first-frame"));
        Assert.True(outputs.Count(o => o.Kind == "image/png") >= 4);
        run.AssertFigures("03-codebook-usage", "03-code-ranks", "03-token-maps-clip", "03-token-maps-images", "03-code-patches",
                          "03-conditioning-cosine", "03-conditioning-pca");
    }

    [Fact]
    public void HeadTraining04BuildsFeaturesTrainsWithProgressAndShowsPredictions()
    {
        var outputs = Outputs("04");
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("tokenizer: reused the finished 'tiny' run"));   // 02's run
        // A fresh results folder: the feature cache of (a) is built here and the head trained, its progress line updated to the end.
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("built now") && o.Text.Contains("images/s"));
        Assert.Contains(outputs, o => o.Text.Contains("head (a) seed 0 40/40 (100.0%)"));
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("(a) seed 0: trained in"));
        AssertChart(outputs, "Head training losses, (a) seed 0");
        // Top 80 (query, class) pairs per image (10 queries x 8 classes), fewer after mask NMS.
        var count = outputs.Where(o => o.Kind == "stream").Select(o => System.Text.RegularExpressions.Regex.Match(o.Text, @"\(a\) seed 0: (\d+) detections on 24 images"))
            .FirstOrDefault(m => m.Success);
        Assert.NotNull(count);
        Assert.InRange(int.Parse(count.Groups[1].Value), 24, 1920);
        Assert.Single(outputs, o => o.Kind == "image/png");
        string runDir = Path.Combine(run.ResultsRoot, "tiny", "study", "runs", "a", "seed0");
        foreach (var f in new[] { "head.pt", "metrics.csv", "predictions.json", "run.json" })
            Assert.True(File.Exists(Path.Combine(runDir, f)), $"{runDir}/{f} is missing");
        run.AssertFigures("04-head-loss", "04-predictions");
    }

    [Fact]
    public void Evaluation05RunsTheStudyAndShowsTablesBarsPrCurvesAndPerCategoryAp()
    {
        var outputs = Outputs("05");
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("(a) seed 0: reusing the trained head"));   // 04's head
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("study 25/25: (g) seed 0"));
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("f-noise") && o.Text.Contains("train s"));
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("AP std"));
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("AR100"));
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("Average Precision  (AP) @[ IoU=0.50:0.95"));
        AssertChart(outputs, "Study: mask AP, AP50 and mIoU per variant");
        AssertChart(outputs, "Semantic mIoU per variant");
        AssertChart(outputs, "Precision-recall, (a) seed 0");
        AssertChart(outputs, "Precision-recall per category, (a) seed 0");
        AssertChart(outputs, "Mask AP per category, (a) seed 0");
        AssertChart(outputs, "Class confusion at IoU 0.5, (a) seed 0");
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("% of them with the right class"));
        AssertChart(outputs, "Head training loss of (a) per seed");
        var rows = MagvitSeg.Study.StudyTable.ReadCsv(Path.Combine(run.ResultsRoot, "tiny", "study", "study.csv"));
        Assert.Equal(25, rows.Count);                                                   // 8 frozen variants x 3 seeds + (g) x 1
        run.AssertFigures("05-study-bars", "05-miou", "05-pr-curves", "05-pr-per-category", "05-per-category-ap", "05-confusion", "05-head-loss-seeds");

        // The study as curves: the tiny grid, every run finished (its line printed), the three tables and the figures.
        var curves = MagvitSeg.Study.CurvesProfile.Tiny;
        int runs = curves.Arms.Length * curves.Probes.Length * curves.Budgets.Length * MagvitSeg.Config.StudyProfile.Tiny.Seeds.Length;
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains($"curves {runs}/{runs}: "));
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains($"curves: {runs} runs, "));
        string root = Path.Combine(run.ResultsRoot, "tiny", "curves");
        Assert.Equal(runs, File.ReadAllLines(Path.Combine(root, "curves.csv")).Length - 1);
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("train images") && o.Text.Contains("train s"));
        Assert.Contains(outputs, o => o.Kind == "text/html" && o.Text.Contains("magvitseg-table") && o.Text.Contains("95% low") && o.Text.Contains("resamples") && o.Text.Contains("a-d"));
        foreach (var key in CurvesKeys)
        {
            string probe = key[..key.IndexOf('-')], metric = key[(key.IndexOf('-') + 1)..];
            AssertChart(outputs, $"{probe} probe: {metric} vs labelled images");
            AssertChart(outputs, $"{probe} probe: paired difference in {metric}");
            run.AssertFigures($"05-curves-{key}", $"05-differences-forest-{key}");
        }
    }

    /// <summary>The curves' probe-metric panels of the tiny profile: mIoU for every probe, AP for the query probe.</summary>
    private static readonly string[] CurvesKeys = { "linear-mIoU", "mlp-mIoU", "query-AP", "query-mIoU" };

    [Fact]
    public void ReportFigures06WritesEveryReportFigureAndACaptionPerFile()
    {
        var outputs = Outputs("06");
        string[] charts = { "report-tokenizer-losses", "report-tokenizer-psnr", "report-tokenizer-perplexity", "report-study-bars",
                            "report-pr-a-seed0", "report-per-category-ap-a-seed0", "report-confusion-a-seed0", "report-head-loss-a-seed0" };
        charts = charts.Concat(CurvesKeys.SelectMany(k => new[] { $"report-curves-{k}", $"report-differences-forest-{k}" })).ToArray();
        string[] images = { "report-reconstructions", "report-latent-pca", "report-overlays-a-seed0" };
        Assert.DoesNotContain(outputs, o => o.Text.Contains("not drawn:"));
        Assert.Equal(charts.Length + images.Length, outputs.Count(o => o.Kind == "image/png"));
        run.AssertFigures(charts.Concat(images).ToArray());
        string figures = Path.Combine(run.ResultsRoot, "tiny", "figures");
        foreach (var chart in charts)
            Assert.Contains("plotly.js v4.1.2", File.ReadAllText(Path.Combine(figures, chart + ".html")));
        // captions.md: one caption line for every figure file there, the notebooks' 01-05 figures included.
        var lines = File.ReadAllLines(Path.Combine(figures, "captions.md"));
        var files = Directory.GetFiles(figures).Select(Path.GetFileName).Where(n => n!.EndsWith(".png") || n.EndsWith(".html")).ToList();
        Assert.True(files.Count >= 60, $"only {files.Count} figure files");
        foreach (var file in files)
            Assert.Single(lines, l => l.StartsWith("- ", StringComparison.Ordinal) && l.Contains($"`{file}`"));
        Assert.DoesNotContain(lines, l => l.Contains("no caption on record"));
        Assert.Contains(outputs, o => o.Kind == "stream" && o.Text.Contains("## Report figures"));
    }

    [Fact]
    public void EveryNotebookRanAndPassed()
    {
        var all = NotebookRunner.Find(RepoPaths.RepoRoot());
        foreach (var line in run.Log) output.WriteLine(line);
        Assert.Equal(all.Select(Path.GetFileName), run.Results.Select(r => Path.GetFileName(r.Notebook)));
        Assert.All(run.Results, r => Assert.True(r.Succeeded, $"{Path.GetFileName(r.Notebook)}: {r.FirstError}"));
    }
}
