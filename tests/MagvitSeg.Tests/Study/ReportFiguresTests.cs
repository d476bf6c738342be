using MagvitSeg.Config;
using MagvitSeg.Study;
using MagvitSeg.Training;
using MagvitSeg.Viz;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Study;

public class ReportFiguresTests
{
    /// <summary>The tiny study cut down: a 4-step tokenizer (evaluated at steps 2 and 4) and 6 evaluation images.</summary>
    private static StudyProfile Micro()
    {
        var tok = TokenizerProfile.Tiny with
        {
            Training = TokenizerProfile.Tiny.Training with { Steps = 4, EvalEvery = 2, CheckpointEvery = 4, DiscriminatorStartStep = 2, LogEvery = 2 },
        };
        return StudyProfile.Tiny with { Tokenizer = tok, TrainImages = 6, ValImages = 6 };
    }

    [Fact]
    public void WithNothingToDrawCaptionsListTheNotebookFiguresAndWhatIsMissing()
    {
        string dir = StudyFiguresTests.Temp();
        try
        {
            var sources = new ReportSources(Path.Combine(dir, "tokenizer"), new StudyPaths(Path.Combine(dir, "study"), "", ""), Path.Combine(dir, "curves"));
            var folder = new FigureFolder(Path.Combine(dir, "figures"));
            Directory.CreateDirectory(folder.Directory);
            File.WriteAllBytes(Path.Combine(folder.Directory, "01-clips.png"), new byte[] { 1 });
            File.WriteAllBytes(Path.Combine(folder.Directory, "99-extra.png"), new byte[] { 1 });
            // Notebook 05's curves figures, one per probe and metric: captioned from their names.
            File.WriteAllBytes(Path.Combine(folder.Directory, "05-curves-mlp-mIoU.png"), new byte[] { 1 });
            File.WriteAllBytes(Path.Combine(folder.Directory, "05-differences-forest-query-AP.png"), new byte[] { 1 });
            File.WriteAllText(Path.Combine(folder.Directory, "notes.txt"), "not a figure");

            var result = ReportFigures.Write(Micro(), sources, folder, CPU);
            Assert.Empty(result.Figures);
            Assert.Equal(3, result.Missing.Count);
            Assert.Contains(result.Missing, m => m.Contains("notebook 02"));
            Assert.Contains(result.Missing, m => m.Contains("study table") && m.Contains("notebook 05"));
            Assert.Contains(result.Missing, m => m.Contains(Path.Combine(dir, "curves", "curves.json")) && m.Contains("'magvitseg curves'"));
            string md = File.ReadAllText(result.CaptionsFile);
            Assert.Contains("`01-clips.png`: " + ReportFigures.NotebookCaptions["01-clips"], md);
            Assert.Contains("`99-extra.png`: Written by notebook 99 (no caption on record).", md);
            Assert.Contains("`05-curves-mlp-mIoU.png`: The MLP probe (two 1x1 layers with a GELU between them): mIoU (%) of each arm against", md);
            Assert.Contains("`05-differences-forest-query-AP.png`: The query probe (the study's query-based instance head): paired difference in AP (points) of (a) minus", md);
            Assert.DoesNotContain("notes.txt", md);
            Assert.Contains("## Not drawn (inputs missing)", md);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FromATokenizerRunAndAStudyEveryReportFigureIsWrittenWithOneCaptionPerFile()
    {
        string dir = StudyFiguresTests.Temp();
        try
        {
            var profile = Micro();
            var paths = new StudyPaths(Path.Combine(dir, "study"), Path.Combine(dir, "tokenizer"), Path.Combine(dir, "tokenizer-2d"));
            // The runner trains the 4-step tokenizer; as in notebooks, without the safetensors export.
            using (var runner = new StudyRunner(profile, paths, CPU) { ExportSafetensors = false })
            {
                runner.Encoder(FeatureEncoder.Video);
                FakeStudy.Write(paths, runner.ValSet);
            }
            Assert.NotNull(TokenizerRun.Finished(paths.Tokenizer));
            Assert.False(File.Exists(Path.Combine(paths.Tokenizer, "tokenizer-ema.safetensors")));
            var folder = new FigureFolder(Path.Combine(dir, "figures"));
            Directory.CreateDirectory(folder.Directory);
            File.WriteAllBytes(Path.Combine(folder.Directory, "04-head-loss.png"), new byte[] { 1 });
            string curves = Path.Combine(dir, "curves");
            Directory.CreateDirectory(curves);
            CurvesTable.Write(curves, CurvesTableTests.TwoArms(), new { note = "hand-built" });

            var lines = new List<string>();
            var result = ReportFigures.Write(profile, new ReportSources(paths.Tokenizer, paths, curves), folder, CPU, log: lines.Add);
            Assert.Empty(result.Missing);
            Assert.Equal(new[]
            {
                "report-tokenizer-losses", "report-tokenizer-psnr", "report-tokenizer-perplexity", "report-reconstructions", "report-latent-pca",
                "report-study-bars", "report-pr-a-seed0", "report-per-category-ap-a-seed0", "report-confusion-a-seed0", "report-head-loss-a-seed0",
                "report-overlays-a-seed0",
                // One curves figure per probe and metric; a forest plot only where there are paired differences.
                "report-curves-linear-mIoU", "report-differences-forest-linear-mIoU", "report-curves-query-AP",
            }, result.Figures.Select(f => f.Name));
            Assert.Equal(result.Figures.Count, lines.Count);
            foreach (var f in result.Figures)
            {
                Assert.Contains(f.Files, p => p.EndsWith(f.Name + ".png", StringComparison.Ordinal));
                foreach (var p in f.Files) Assert.True(File.Exists(p), p);
                Assert.False(string.IsNullOrWhiteSpace(f.Caption));
            }
            // Charts come with their interactive HTML; image grids are PNG only.
            Assert.Equal(2, result.Figures.Single(f => f.Name == "report-study-bars").Files.Count);
            Assert.Single(result.Figures.Single(f => f.Name == "report-overlays-a-seed0").Files);
            Assert.Equal(2, result.Figures.Single(f => f.Name == "report-differences-forest-linear-mIoU").Files.Count);
            // The captions say what was drawn: budgets, arms, seeds and resamples from curves.json.
            string curvesCaption = result.Figures.Single(f => f.Name == "report-curves-linear-mIoU").Caption;
            Assert.Contains("labelled training stills (12, 48; log axis)", curvesCaption);
            Assert.Contains("one line per arm ((a), (b))", curvesCaption);
            Assert.Contains("up to 2 seeds", curvesCaption);
            Assert.Contains("200 resamples", curvesCaption);
            Assert.Contains("of the pairs a-b (first arm minus second) at each label budget", result.Figures.Single(f => f.Name == "report-differences-forest-linear-mIoU").Caption);

            string md = File.ReadAllText(result.CaptionsFile);
            foreach (var file in Directory.GetFiles(folder.Directory).Select(Path.GetFileName).Where(n => n != "captions.md"))
                Assert.Single(md.Split('\n'), l => l.StartsWith("- ", StringComparison.Ordinal) && l.Contains($"`{file}`"));
            Assert.Contains(ReportFigures.NotebookCaptions["04-head-loss"], md);
            Assert.DoesNotContain("Not drawn", md);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
