using System.Globalization;
using System.Text;
using MagvitSeg.Config;
using MagvitSeg.Inspection;
using MagvitSeg.Runtime;
using MagvitSeg.Training;
using MagvitSeg.Viz;
using static TorchSharp.torch;

namespace MagvitSeg.Study;

/// <summary>One report figure: its name (file stem), caption and the files written (PNG, and HTML for charts).</summary>
public sealed record ReportFigure(string Name, string Caption, IReadOnlyList<string> Files);

/// <summary>What <see cref="ReportFigures.Write"/> produced: the figures, the inputs it could not find, and captions.md.</summary>
public sealed record ReportResult(IReadOnlyList<ReportFigure> Figures, IReadOnlyList<string> Missing, string CaptionsFile);

/// <summary>Where the report figures are drawn from: the tokenizer run (notebook 02), the study and the curves (notebook 05).</summary>
/// <param name="Tokenizer">The tokenizer run folder.</param>
/// <param name="Study">The study folders.</param>
/// <param name="Curves">The curves folder (holding curves.json).</param>
public sealed record ReportSources(string Tokenizer, StudyPaths Study, string Curves)
{
    /// <summary>A profile's default folders: results/&lt;profile&gt;/tokenizer, results/&lt;profile&gt;/study and results/&lt;profile&gt;/curves.</summary>
    public static ReportSources Default(string profile) =>
        new(TokenizerRun.DefaultFolder(profile), StudyPaths.Default(profile), RepoPaths.Results(profile, "curves"));
}

/// <summary>
/// The report's figures, regenerated from what the tokenizer run and the study left on disk (nothing is trained):
/// tokenizer curves and reconstructions, token maps with the latent PCA, the study's bar chart, and the PR curves,
/// per-category AP, loss and prediction overlays of one run, and the curves (probe capacity x label budget) with their
/// forest plots of the paired differences, redrawn from curves.json. Each goes to <c>report-*.png</c> (+ <c>.html</c> for
/// charts) in the figures folder, and <c>captions.md</c> gets one caption per figure file there, the notebooks'
/// figures (01-05) included.
/// </summary>
public static class ReportFigures
{
    /// <summary>Captions of the figures notebooks 01-05 save (by file stem).</summary>
    public static IReadOnlyDictionary<string, string> NotebookCaptions { get; } = new Dictionary<string, string>
    {
        ["01-clips"] = "MovingShapes clips: the first frames of a few training clips.",
        ["01-clip-instances"] = "Instance masks of one MovingShapes clip, frame by frame (one colour per object).",
        ["01-stills-instances"] = "MovingShapes stills (the study's images) with their instance masks and class names.",
        ["01-coco-instances"] = "coco-tiny images with their instance masks and class names.",
        ["01-instances-per-image"] = "Instances per image, MovingShapes stills and coco-tiny.",
        ["01-instance-area"] = "Instance area (fraction of the image), MovingShapes stills and coco-tiny.",
        ["01-categories-shapes"] = "Instances per category, MovingShapes stills.",
        ["01-categories-coco"] = "Instances per category, coco-tiny.",
        ["02-losses"] = "Tokenizer training losses per step (moving average), each term weighted as in the total.",
        ["02-psnr"] = "Reconstruction PSNR of the EMA tokenizer on held-out clips over training.",
        ["02-perplexity"] = "Codebook perplexity over training (training batches and held-out tokens); the codebook size is the ceiling.",
        ["02-reconstructions"] = "Held-out clips (input rows) and their reconstructions by the EMA tokenizer (output rows).",
        ["03-codebook-usage"] = "Codebook usage on held-out clips: how many codes were used how often (dead codes in the first bin).",
        ["03-code-ranks"] = "Codes ranked by how often they are used on held-out clips.",
        ["03-token-maps-clip"] = "A held-out clip per latent frame: input frame, token map (one colour per code) and latent PCA as RGB.",
        ["03-token-maps-images"] = "Still images (MovingShapes, coco-tiny) padded into clips: image, token map and latent PCA of the first latent frame.",
        ["03-code-patches"] = "The most frequent codes: the decoded code alone, then the input patches whose latents lie nearest to it.",
        ["03-conditioning-cosine"] = "Per latent frame, the mean cosine similarity to the condition frame t'=0 under each padding mode.",
        ["03-conditioning-pca"] = "Latents of one still image under each padding mode, PCA as RGB with one projection for all.",
        ["04-head-loss"] = "Training losses of the segmentation head on frozen video-encoder features, variant (a) seed 0 (log scale).",
        ["04-predictions"] = "Evaluation stills: ground truth (top) and the predictions of head (a) seed 0 (bottom), labelled with class and score.",
        ["05-study-bars"] = "The study: mask AP, AP50 and mIoU per variant, mean over seeds with the standard deviation as error bars.",
        ["05-miou"] = "Semantic mIoU per variant, mean over seeds with the standard deviation as error bars.",
        ["05-pr-curves"] = "Precision-recall curves of head (a) seed 0 at IoU 0.50 and 0.75 (averaged over categories).",
        ["05-pr-per-category"] = "Precision-recall curves of head (a) seed 0 per category at IoU 0.50.",
        ["05-per-category-ap"] = "Mask AP and AP50 per category of head (a) seed 0.",
        ["05-confusion"] = "Class of the highest-scoring detection that overlaps each ground-truth instance of head (a) seed 0 at mask IoU >= 0.5 (percent of each row's found instances).",
        ["05-head-loss-seeds"] = "Training loss of the heads of variant (a), one curve per seed (log scale).",
    };

    /// <summary>Notebook 05's curves figures are one per probe and metric (<c>05-curves-&lt;probe&gt;-&lt;metric&gt;</c>,
    /// <c>05-differences-forest-&lt;probe&gt;-&lt;metric&gt;</c>), so their captions are made from the name.</summary>
    public static string? CurvesNotebookCaption(string stem)
    {
        foreach (var (prefix, what) in new[]
                 {
                     ("05-curves-", "{0} (%) of each arm against the number of labelled training stills (log axis), mean over seeds with its 95% bootstrap band"),
                     ("05-differences-forest-", "paired difference in {0} (points) of ({1}) minus each other arm per label budget, mean over seeds with its 95% paired-bootstrap interval; above zero ({1}) is better"),
                 })
        {
            if (!stem.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var parts = stem[prefix.Length..].Split('-');
            if (parts.Length != 2) return null;
            return $"The {CurvesFigures.DescribeProbe(parts[0])}: {string.Format(CultureInfo.InvariantCulture, what, parts[1], CurvesProfile.Reference)}.";
        }
        return null;
    }

    /// <summary>
    /// Writes every report figure whose inputs exist into <paramref name="folder"/> and then captions.md; inputs that
    /// are missing are listed (with the notebook that makes them) instead of failing.
    /// </summary>
    /// <param name="profile">The study profile (image size, split sizes).</param>
    /// <param name="sources">The tokenizer run and study folders.</param>
    /// <param name="folder">Where figures go (results/&lt;profile&gt;/figures).</param>
    /// <param name="device">Where the tokenizer runs for reconstructions and latents.</param>
    /// <param name="variant">The run whose PR curves, per-category AP, loss and overlays are drawn.</param>
    /// <param name="seed">Its seed.</param>
    /// <param name="log">One line per figure written.</param>
    public static ReportResult Write(StudyProfile profile, ReportSources sources, FigureFolder folder, Device device,
        string variant = "a", int seed = 0, Action<string>? log = null)
    {
        var figures = new List<ReportFigure>();
        var missing = new List<string>();
        void Add(string name, string caption, Action save)
        {
            int before = folder.Written.Count;
            save();
            var files = folder.Written.Skip(before).ToList();
            figures.Add(new ReportFigure(name, caption, files));
            log?.Invoke($"{name}: {string.Join(", ", files.Select(Path.GetFileName))}");
        }

        // The tokenizer run (notebook 02).
        string? checkpoint = Directory.Exists(sources.Tokenizer) ? TokenizerRun.Finished(sources.Tokenizer) : null;
        if (checkpoint is null) missing.Add($"tokenizer run: no finished run in {sources.Tokenizer} (notebook 02 or 'magvitseg pretrain')");
        else
        {
            var output = new PretrainOutput(sources.Tokenizer);
            var tok = TokenizerCheckpoint.ReadProfile(checkpoint);
            var metrics = PretrainReport.ReadCsv(output.MetricsCsv);
            var eval = File.Exists(output.EvalCsv) ? PretrainReport.ReadCsv(output.EvalCsv) : null;
            Add("report-tokenizer-losses", $"Tokenizer pretraining ('{tok.Name}', {tok.Training.Steps} steps): training losses per step (moving average), each term weighted as in the total.",
                () => folder.Save("report-tokenizer-losses", PretrainReport.LossChart(metrics), html: true));
            if (eval is not null && eval.Rows.Count > 0)
                Add("report-tokenizer-psnr", "Reconstruction PSNR of the EMA tokenizer on held-out MovingShapes clips over pretraining.",
                    () => folder.Save("report-tokenizer-psnr", PretrainReport.PsnrChart(eval), html: true));
            else missing.Add($"tokenizer PSNR curve: {output.EvalCsv} has no evaluations");
            Add("report-tokenizer-perplexity", $"Codebook perplexity during pretraining (training batches and held-out tokens); the codebook size {tok.Vqvae.CodebookSize} is the ceiling.",
                () => folder.Save("report-tokenizer-perplexity", PretrainReport.PerplexityChart(metrics, eval, tok.Vqvae.CodebookSize), html: true));
            using var model = TokenizerCheckpoint.LoadEmaModel(checkpoint, device);
            var heldOut = TokenizerRun.HeldOut(tok);
            var recon = PretrainReport.Reconstructions(model, heldOut, clips: 3);
            Add("report-reconstructions", string.Create(CultureInfo.InvariantCulture,
                    $"Held-out clips (input rows) and their reconstructions by the EMA tokenizer (output rows); PSNR {recon.Metrics.Psnr:F1} dB over these clips."),
                () => folder.Save("report-reconstructions", recon.Grid));
            using (var clips = heldOut.Batch(0, 1))
            using (var encoded = LatentInspection.Encode(model, clips))
                Add("report-latent-pca", "A held-out clip per latent frame t': its first input frame, the token map (one colour per code) and the pre-quantisation latent projected on its top 3 principal components as RGB.",
                    () => folder.Save("report-latent-pca", LatentInspection.TokenMaps(encoded)));
        }

        // The study (notebook 05 or 'magvitseg study').
        string csv = Path.Combine(sources.Study.Root, "study.csv");
        if (!File.Exists(csv)) missing.Add($"study table: no {csv} (notebook 05 or 'magvitseg study')");
        else
        {
            var rows = StudyTable.ReadCsv(csv);
            var summary = StudyTable.Summarise(rows);
            int seeds = summary.Count == 0 ? 0 : summary.Max(s => s.Seeds);
            Add("report-study-bars", $"The study ({profile.Name}): COCO mask AP, AP50 and semantic mIoU (x100) per variant, mean over up to {seeds} seeds with the standard deviation as error bars. " +
                                     "Variants: " + string.Join("; ", summary.Select(s => $"({s.Variant}) {s.Description}")) + ".",
                () => folder.Save("report-study-bars", StudyFigures.StudyBars(summary), html: true));
            if (!File.Exists(Path.Combine(sources.Study.Run(variant, seed), "predictions.json")))
                missing.Add($"run ({variant}) seed {seed}: no predictions.json in {sources.Study.Run(variant, seed)} (notebook 05)");
            else
            {
                using var runner = new StudyRunner(profile, sources.Study, device);
                var run = StudyFigures.LoadRun(sources.Study, runner.ValSet, variant, seed);
                string tag = $"{variant}-seed{seed}";
                string what = $"head {run.Label} on {runner.ValSet.Count} evaluation images";
                Add($"report-pr-{tag}", $"Precision-recall curves of {what} at IoU 0.50 and 0.75 (averaged over categories; AP {run.Metrics.AP:F1}).",
                    () => folder.Save($"report-pr-{tag}", StudyFigures.PrCurves(run.Coco, run.Label), html: true));
                Add($"report-per-category-ap-{tag}", $"Mask AP and AP50 per category of {what}.",
                    () => folder.Save($"report-per-category-ap-{tag}", StudyFigures.PerCategoryAp(run.Coco, run.Label), html: true));
                Add($"report-confusion-{tag}", $"Class of the highest-scoring detection that overlaps each ground-truth instance at mask IoU >= 0.5, {what} " +
                                               $"(percent of each row's found instances; {100 * run.Confusion.Accuracy:F0}% right, {run.Confusion.Missed} of {run.Confusion.Total} instances missed).",
                    () => folder.Save($"report-confusion-{tag}", StudyFigures.Confusion(run.Confusion, run.Label), html: true));
                Add($"report-head-loss-{tag}", $"Training losses of {run.Label} (total, classification, mask BCE, dice; log scale).",
                    () => folder.Save($"report-head-loss-{tag}", StudyFigures.HeadLoss(run.MetricsCsv, run.Label), html: true));
                Add($"report-overlays-{tag}", $"Evaluation images: ground truth (top) and the predictions of {run.Label} (bottom), as many per image as it has objects, labelled with class and score.",
                    () => folder.Save($"report-overlays-{tag}", StudyFigures.PredictionOverlays(runner.ValSet, run.Predictions)));
            }
        }

        // The curves (notebook 05 or 'magvitseg curves'): redrawn from curves.json, the bootstrap is not run again.
        string curvesJson = Path.Combine(sources.Curves, "curves.json");
        if (!File.Exists(curvesJson)) missing.Add($"curves: no {curvesJson} (notebook 05 or 'magvitseg curves')");
        else
        {
            var curves = CurvesTable.ReadJson(curvesJson);
            foreach (var p in CurvesFigures.Panels(curves))
            {
                Add($"report-curves-{p.Key}", CurvesFigures.CurvesCaption(curves, p.Probe, p.Metric),
                    () => folder.Save($"report-curves-{p.Key}", p.Curves, html: true));
                if (p.Forest is { } forest)
                    Add($"report-differences-forest-{p.Key}", CurvesFigures.ForestCaption(curves, p.Probe, p.Metric),
                        () => folder.Save($"report-differences-forest-{p.Key}", forest, html: true));
            }
            if (curves.Levels.Count == 0) missing.Add($"curves: {curvesJson} holds no runs");
        }

        string captions = Path.Combine(folder.Directory, "captions.md");
        Directory.CreateDirectory(folder.Directory);
        AtomicFile.WriteAllText(captions, Captions(profile.Name, folder.Directory, figures, missing));
        return new ReportResult(figures, missing, captions);
    }

    /// <summary>
    /// captions.md: the report figures in order, then every other figure file in <paramref name="directory"/> (the
    /// notebooks' own), each with its caption, and the inputs that were missing.
    /// </summary>
    public static string Captions(string profile, string directory, IReadOnlyList<ReportFigure> figures, IReadOnlyList<string> missing)
    {
        var sb = new StringBuilder();
        sb.Append($"# Figures ({profile})\n\n");
        sb.Append("Written by notebook 06 (`ReportFigures.Write`). `.png`: static figure; `.html`: the interactive plotly version ")
          .Append("(plotly.js inlined, works offline). Metrics are COCO units x100.\n\n## Report figures\n\n");
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in figures)
        {
            sb.Append("- ").Append(string.Join(", ", f.Files.Select(p => $"`{Path.GetFileName(p)}`"))).Append(": ").Append(f.Caption).Append('\n');
            foreach (var p in f.Files) listed.Add(Path.GetFileName(p));
        }
        if (figures.Count == 0) sb.Append("(none: see below)\n");
        var others = Directory.Exists(directory)
            ? Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>()
                       .Where(n => (n.EndsWith(".png", StringComparison.Ordinal) || n.EndsWith(".html", StringComparison.Ordinal)) && !listed.Contains(n))
                       .GroupBy(n => Path.GetFileNameWithoutExtension(n)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList()
            : new();
        if (others.Count > 0)
        {
            sb.Append("\n## Notebook figures\n\n");
            foreach (var g in others)
            {
                string caption = NotebookCaptions.TryGetValue(g.Key, out var c) ? c
                    : CurvesNotebookCaption(g.Key) is { } cc ? cc
                    : $"Written by notebook {(g.Key.Length > 2 && char.IsDigit(g.Key[0]) ? g.Key[..2] : "?")} (no caption on record).";
                sb.Append("- ").Append(string.Join(", ", g.OrderBy(n => n, StringComparer.Ordinal).Select(n => $"`{n}`"))).Append(": ").Append(caption).Append('\n');
            }
        }
        if (missing.Count > 0)
        {
            sb.Append("\n## Not drawn (inputs missing)\n\n");
            foreach (var m in missing) sb.Append("- ").Append(m).Append('\n');
        }
        return sb.ToString();
    }
}
