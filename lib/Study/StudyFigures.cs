using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Inspection;
using MagvitSeg.Runtime;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;
using SkiaSharp;

namespace MagvitSeg.Study;

/// <summary>What one evaluated head run left, read back for figures: its predictions, their COCO evaluation and metrics.</summary>
/// <param name="Variant">Variant id.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Folder">The run folder (head.pt, metrics.csv, predictions.json, ...).</param>
/// <param name="Predictions">predictions.json (COCO results on the evaluation split).</param>
/// <param name="Coco">The predictions evaluated again (segm) against the split: PR curves and per-category AP.</param>
/// <param name="Metrics">The run's metrics (AP family, mIoU).</param>
/// <param name="Confusion">Found or missed, and with which class, for every ground-truth instance of the split.</param>
public sealed record StudyRunResults(string Variant, int Seed, string Folder, List<CocoAnnotation> Predictions, CocoEvalResult Coco,
                                     HeadMetrics Metrics, ClassConfusion Confusion)
{
    /// <summary>"(a) seed 0".</summary>
    public string Label => $"({Variant}) seed {Seed}";

    /// <summary>The head's training log.</summary>
    public string MetricsCsv => Path.Combine(Folder, "metrics.csv");
}

/// <summary>
/// The study's figures: the bar chart of the table (mean ± std over seeds), a run's PR curves, per-category AP and
/// training loss, and its predictions next to the ground truth on evaluation images. Charts are <see cref="PlotlyFigure"/>s
/// (interactive HTML and a static PNG); overlays are PNGs. Used by notebooks 04-06 and <c>magvitseg study</c>.
/// </summary>
public static class StudyFigures
{
    /// <summary>The folder <c>magvitseg study</c> writes its figures to: <c>&lt;study&gt;/figures</c>.</summary>
    public static string FolderOf(StudyPaths paths) => Path.Combine(paths.Root, "figures");

    /// <summary>Mean mask AP, AP50 and mIoU per variant with the seeds' standard deviation as error bars.</summary>
    /// <exception cref="ArgumentException">No variant to draw.</exception>
    public static PlotlyFigure StudyBars(IReadOnlyList<StudySummary> summary, string? title = null)
    {
        if (summary.Count == 0) throw new ArgumentException("StudyBars: the study table has no rows yet (run the study first).", nameof(summary));
        var variants = summary.Select(s => s.Variant).ToArray();
        var traces = new Trace[]
        {
            new BarTrace("AP", variants, summary.Select(s => s.AP).ToArray(), summary.Select(s => s.APStd).ToArray()),
            new BarTrace("AP50", variants, summary.Select(s => s.AP50).ToArray(), summary.Select(s => s.AP50Std).ToArray()),
            new BarTrace("mIoU", variants, summary.Select(s => s.MIoU).ToArray(), summary.Select(s => s.MIoUStd).ToArray()),
        };
        int seeds = summary.Max(s => s.Seeds);
        return new PlotlyFigure(traces, new FigureLayout(
            title ?? $"Study: mask AP, AP50 and mIoU per variant (mean ± std over up to {seeds} seeds)", "variant", "COCO units x100",
            Width: Math.Clamp(240 + 80 * variants.Length, 640, 1600)));
    }

    /// <summary>Semantic mIoU per variant (mean over seeds, standard deviation as error bars).</summary>
    public static PlotlyFigure MiouBars(IReadOnlyList<StudySummary> summary)
    {
        if (summary.Count == 0) throw new ArgumentException("MiouBars: the study table has no rows yet (run the study first).", nameof(summary));
        var variants = summary.Select(s => s.Variant).ToArray();
        return new PlotlyFigure(new Trace[] { new BarTrace("mIoU", variants, summary.Select(s => s.MIoU).ToArray(), summary.Select(s => s.MIoUStd).ToArray()) },
            new FigureLayout("Semantic mIoU per variant (mean ± std over seeds)", "variant", "mIoU (x100)",
                             Width: Math.Clamp(240 + 60 * variants.Length, 640, 1600)));
    }

    /// <summary>The study summary as a table: variant, seeds, AP ± std, AP50, AP75, APs/m/l, mIoU ± std, train seconds, description.</summary>
    public static DataFrame SummaryTable(IReadOnlyList<StudySummary> summary) => new(
        new StringDataFrameColumn("variant", summary.Select(s => s.Variant)),
        new Int32DataFrameColumn("seeds", summary.Select(s => s.Seeds)),
        new DoubleDataFrameColumn("AP", summary.Select(s => s.AP)),
        new DoubleDataFrameColumn("AP std", summary.Select(s => s.APStd)),
        new DoubleDataFrameColumn("AP50", summary.Select(s => s.AP50)),
        new DoubleDataFrameColumn("AP50 std", summary.Select(s => s.AP50Std)),
        new DoubleDataFrameColumn("AP75", summary.Select(s => s.AP75)),
        new DoubleDataFrameColumn("APs", summary.Select(s => s.APs)),
        new DoubleDataFrameColumn("APm", summary.Select(s => s.APm)),
        new DoubleDataFrameColumn("APl", summary.Select(s => s.APl)),
        new DoubleDataFrameColumn("mIoU", summary.Select(s => s.MIoU)),
        new DoubleDataFrameColumn("mIoU std", summary.Select(s => s.MIoUStd)),
        new DoubleDataFrameColumn("AP class-agnostic", summary.Select(s => s.APAgnostic)),
        new DoubleDataFrameColumn("train s", summary.Select(s => s.TrainSeconds)),
        new StringDataFrameColumn("description", summary.Select(s => s.Description)));

    /// <summary>
    /// The feature cache of a variant as a table: per split the images, the level shapes, whether this call built or
    /// reused them, the seconds it took now and the encoding rate recorded when they were built.
    /// </summary>
    public static DataFrame FeatureTable(IReadOnlyList<(string Split, bool Reused, double Seconds, FeatureCacheManifest Manifest)> splits) => new(
        new StringDataFrameColumn("split", splits.Select(s => s.Split)),
        new Int32DataFrameColumn("images", splits.Select(s => s.Manifest.Count)),
        new StringDataFrameColumn("levels [N, C, h, w]", splits.Select(s => string.Join(" + ", s.Manifest.Shapes.Select(l => $"[{string.Join(", ", l)}]")))),
        new StringDataFrameColumn("cache", splits.Select(s => s.Reused ? "reused" : "built now")),
        new DoubleDataFrameColumn("seconds now", splits.Select(s => s.Seconds)),
        new DoubleDataFrameColumn("images/s when built", splits.Select(s => s.Manifest.ImagesPerSecond)),
        new StringDataFrameColumn("key", splits.Select(s => s.Manifest.Key.Hash)));

    /// <summary>One row per variant and seed: the COCO AP family, mIoU and training time.</summary>
    public static DataFrame RowsTable(IReadOnlyList<StudyRow> rows) => new(
        new StringDataFrameColumn("variant", rows.Select(r => r.Variant)),
        new Int32DataFrameColumn("seed", rows.Select(r => r.Seed)),
        new DoubleDataFrameColumn("AP", rows.Select(r => r.AP)),
        new DoubleDataFrameColumn("AP50", rows.Select(r => r.AP50)),
        new DoubleDataFrameColumn("AP75", rows.Select(r => r.AP75)),
        new DoubleDataFrameColumn("APs", rows.Select(r => r.APs)),
        new DoubleDataFrameColumn("APm", rows.Select(r => r.APm)),
        new DoubleDataFrameColumn("APl", rows.Select(r => r.APl)),
        new DoubleDataFrameColumn("mIoU", rows.Select(r => r.MIoU)),
        new DoubleDataFrameColumn("train s", rows.Select(r => r.TrainSeconds)));

    /// <summary>
    /// Precision-recall curves of a run (area all, 100 detections): averaged over categories at IoU 0.50 and 0.75, or
    /// with <paramref name="perCategory"/> one curve per category at IoU 0.50. Categories without ground truth are left out.
    /// </summary>
    public static PlotlyFigure PrCurves(CocoEvalResult coco, string label, bool perCategory = false)
    {
        var curves = new List<(string, double[], double[])>();
        if (perCategory)
        {
            foreach (var c in coco.PerCategory())
            {
                var (r, p) = coco.PrCurve(0.5, c.CategoryId);
                if (p.Any(double.IsFinite)) curves.Add((c.Name, r, p));
            }
        }
        else
        {
            foreach (double thr in new[] { 0.5, 0.75 })
            {
                var (r, p) = coco.PrCurve(thr);
                curves.Add(($"IoU {thr:0.00}", r, p));
            }
        }
        return Charts.PrCurves(curves, perCategory ? $"Precision-recall per category, {label} (IoU 0.50)" : $"Precision-recall, {label}");
    }

    /// <summary>Mask AP and AP50 per category (x100; NaN where a category has no ground truth).</summary>
    public static PlotlyFigure PerCategoryAp(CocoEvalResult coco, string label)
    {
        var cats = coco.PerCategory();
        var names = cats.Select(c => c.Name).ToArray();
        static double P(double v) => v < 0 ? double.NaN : 100 * v;
        var traces = new Trace[]
        {
            new BarTrace("AP", names, cats.Select(c => P(c.AP)).ToArray()),
            new BarTrace("AP50", names, cats.Select(c => P(c.AP50)).ToArray()),
        };
        return new PlotlyFigure(traces, new FigureLayout($"Mask AP per category, {label}", "category", "AP (x100)",
                                                         Width: Math.Clamp(240 + 70 * names.Length, 640, 1600)));
    }

    /// <summary>
    /// The class of the detection that found each ground-truth instance (<see cref="ClassConfusion"/>), rows normalised
    /// to percent of the row's found instances: it tells a class read-out problem (off-diagonal mass) from a
    /// localisation one (many missed).
    /// </summary>
    public static PlotlyFigure Confusion(ClassConfusion confusion, string label)
    {
        int k = confusion.CategoryIds.Count;
        var z = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            long row = 0;
            for (int j = 0; j < k; j++) row += confusion.Counts[i, j];
            for (int j = 0; j < k; j++) z[i, j] = row == 0 ? double.NaN : 100.0 * confusion.Counts[i, j] / row;
        }
        var names = confusion.Names.ToArray();
        return Charts.Heatmap(z, $"Class confusion at IoU 0.5, {label}: {100 * confusion.Accuracy:F0}% right, {confusion.Missed} of {confusion.Total} missed",
                              names, names, "detected as", "ground truth");
    }

    /// <summary>Per-category AP, AP50, AP75 and AR@100 (x100) as a table.</summary>
    public static DataFrame PerCategoryTable(CocoEvalResult coco)
    {
        var cats = coco.PerCategory();
        static double P(double v) => v < 0 ? double.NaN : 100 * v;
        return new DataFrame(
            new StringDataFrameColumn("category", cats.Select(c => c.Name)),
            new DoubleDataFrameColumn("AP", cats.Select(c => P(c.AP))),
            new DoubleDataFrameColumn("AP50", cats.Select(c => P(c.AP50))),
            new DoubleDataFrameColumn("AP75", cats.Select(c => P(c.AP75))),
            new DoubleDataFrameColumn("AR100", cats.Select(c => P(c.AR100))));
    }

    /// <summary>The head's training losses from its metrics.csv (total, class, mask, dice), log y.</summary>
    public static PlotlyFigure HeadLoss(string metricsCsv, string label)
    {
        var m = PretrainReport.ReadCsv(metricsCsv);
        var step = PretrainReport.Column(m, "step");
        var series = new[] { ("loss", "total"), ("class", "class"), ("mask", "mask BCE"), ("dice", "dice") }
            .Where(n => m.Columns.Any(c => c.Name == n.Item1)).Select(n => (n.Item2, step, PretrainReport.Column(m, n.Item1)));
        return Charts.Line(series, $"Head training losses, {label}", "step", "loss (log scale)", logY: true);
    }

    /// <summary>The total training loss of several runs (seeds, variants) on one chart, log y.</summary>
    public static PlotlyFigure HeadLossRuns(IEnumerable<(string Label, string MetricsCsv)> runs, string? title = null) =>
        Charts.Line(runs.Select(r =>
        {
            var m = PretrainReport.ReadCsv(r.MetricsCsv);
            return (r.Label, PretrainReport.Column(m, "step"), PretrainReport.Column(m, "loss"));
        }), title ?? "Head training loss", "step", "loss (log scale)", logY: true);

    /// <summary>
    /// Evaluation images, ground truth (top row) over predictions (bottom row), one column per image. Each image shows as
    /// many predictions as it has ground-truth instances (at most <paramref name="maxPerImage"/>), highest scores first,
    /// labelled with category and score, in one colour per category (in both rows); masks are drawn at the working
    /// resolution, upscaled by <paramref name="scale"/>.
    /// </summary>
    /// <param name="set">The evaluation split the predictions are for.</param>
    /// <param name="predictions">COCO results (masks at the original image size).</param>
    /// <param name="images">Columns: the first images of the split.</param>
    /// <param name="maxPerImage">Upper bound on predictions per image (null: no bound beyond the ground-truth count).</param>
    /// <param name="minScore">Predictions below this score are never drawn.</param>
    /// <param name="scale">Nearest-neighbour upscaling of the images before drawing (labels stay legible on 32 px stills).</param>
    public static PngImage PredictionOverlays(CocoImageSet set, IReadOnlyList<CocoAnnotation> predictions, int images = 6,
        int? maxPerImage = null, double minScore = 0, int scale = 4)
    {
        if (images < 1) throw new ArgumentException($"images must be at least 1, got {images}.", nameof(images));
        if (scale < 1) throw new ArgumentException($"scale must be at least 1, got {scale}.", nameof(scale));
        int n = Math.Min(images, set.Count), S = set.Size;
        var byImage = predictions.GroupBy(p => p.ImageId).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Score).ToList());
        var gtRow = new List<SKBitmap>();
        var predRow = new List<SKBitmap>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                var target = set.Targets[i];
                var geo = set.Geometry[i];
                using var imageTensor = set.Images(i, 1);
                using var small = ImageTensors.ToBitmap(imageTensor[0]);
                using var image = ImageTensors.Upscale(small, scale);

                var gt = Enumerable.Range(0, target.Count).Select(k => new InstanceOverlay(
                    Upscale(target.Masks.AsSpan(k * S * S, S * S), S, S, scale), CategoryName(set, target.Classes[k]), Palette.Distinct(target.Classes[k]))).ToList();
                gtRow.Add(MaskOverlay.Draw(image, gt));

                int keep = Math.Max(1, target.Count);
                if (maxPerImage is { } cap) keep = Math.Min(keep, cap);
                var dets = (byImage.GetValueOrDefault(geo.ImageId) ?? new List<CocoAnnotation>())
                           .Where(d => d.Score >= minScore && d.Segmentation is not null).Take(keep).ToList();
                var pred = dets.Select(d => new InstanceOverlay(
                    Upscale(ToWorking(d, geo, S), S, S, scale),
                    $"{CategoryName(set, d.CategoryId, coco: true)} {d.Score:0.00}", Palette.Distinct(ClassOf(set, d.CategoryId)))).ToList();
                predRow.Add(MaskOverlay.Draw(image, pred));
            }
            using var grid = ImageGrid.Compose(new[] { gtRow, predRow }, new[] { "ground truth", "prediction" },
                                               set.Geometry.Take(n).Select(g => $"image {g.ImageId}").ToArray());
            return PngImage.Encode(grid);
        }
        finally { foreach (var b in gtRow.Concat(predRow)) b.Dispose(); }
    }

    /// <summary>
    /// Reads an evaluated run back (predictions.json, run.json) and evaluates its predictions again on <paramref name="set"/>
    /// for the curves (a few hundred milliseconds on the tiny split).
    /// </summary>
    /// <exception cref="FileNotFoundException">The run has not been evaluated (names the folder and the command that does it).</exception>
    public static StudyRunResults LoadRun(StudyPaths paths, CocoImageSet set, string variant, int seed)
    {
        string dir = paths.Run(variant, seed);
        string preds = Path.Combine(dir, "predictions.json"), record = Path.Combine(dir, "run.json");
        if (!File.Exists(preds) || !File.Exists(record))
            throw new FileNotFoundException($"({variant}) seed {seed} has not been evaluated: '{dir}' has no predictions.json/run.json. " +
                                            $"Run 'magvitseg study' (or notebook 05) first.", preds);
        var run = JsonSerializer.Deserialize<HeadRunRecord>(File.ReadAllText(record), AtomicFile.Json)
                  ?? throw new InvalidDataException($"'{record}' is empty.");
        var dets = CocoJson.ReadResults(preds, set.LoadedGt);
        var (_, coco) = HeadEvaluation.Score(dets, set);
        return new StudyRunResults(variant, seed, dir, dets, coco, run.Metrics, ClassConfusion.Compute(set.LoadedGt, dets));
    }

    /// <summary>
    /// Writes the study's figures into <paramref name="folder"/>: <c>study-bars</c> (from study.csv), and for one run
    /// (the proposal (a), seed 0, by default) <c>pr-&lt;run&gt;</c>, <c>per-category-ap-&lt;run&gt;</c>, <c>confusion-&lt;run&gt;</c>,
    /// <c>head-loss-&lt;run&gt;</c> (PNG + HTML each) and <c>overlays-&lt;run&gt;</c> (PNG). Returns the files written.
    /// </summary>
    /// <exception cref="FileNotFoundException">No study.csv, or the run has not been evaluated.</exception>
    public static IReadOnlyList<string> WriteStudy(StudyPaths paths, CocoImageSet val, FigureFolder folder, string variant = "a", int seed = 0)
    {
        string csv = Path.Combine(paths.Root, "study.csv");
        if (!File.Exists(csv)) throw new FileNotFoundException($"'{csv}' does not exist: run 'magvitseg study' first.", csv);
        int before = folder.Written.Count;
        folder.Save("study-bars", StudyBars(StudyTable.Summarise(StudyTable.ReadCsv(csv))), html: true);
        var run = LoadRun(paths, val, variant, seed);
        string tag = $"{variant}-seed{seed}";
        folder.Save($"pr-{tag}", PrCurves(run.Coco, run.Label), html: true);
        folder.Save($"per-category-ap-{tag}", PerCategoryAp(run.Coco, run.Label), html: true);
        folder.Save($"confusion-{tag}", Confusion(run.Confusion, run.Label), html: true);
        folder.Save($"head-loss-{tag}", HeadLoss(run.MetricsCsv, run.Label), html: true);
        folder.Save($"overlays-{tag}", PredictionOverlays(val, run.Predictions));
        return folder.Written.Skip(before).ToList();
    }

    /// <summary>The name of class index <paramref name="id"/> (or, with <paramref name="coco"/>, of COCO category id <paramref name="id"/>).</summary>
    private static string CategoryName(CocoImageSet set, long id, bool coco = false)
    {
        long catId = coco ? id : set.CategoryIds[(int)id];
        return set.Gt.CategoryById.TryGetValue(catId, out var c) ? c.Name : $"category {catId}";
    }

    private static int ClassOf(CocoImageSet set, long categoryId)
    {
        for (int i = 0; i < set.CategoryIds.Count; i++) if (set.CategoryIds[i] == categoryId) return i;
        return set.CategoryIds.Count;
    }

    /// <summary>A prediction's mask (at the original image size) at the working resolution: the scaled image at the top-left of S x S.</summary>
    internal static byte[] ToWorking(CocoAnnotation det, ImagePlacement geo, int size)
    {
        var full = det.Segmentation!.ToRle(geo.Height, geo.Width).DecodeRowMajor(); // [H, W]
        var mask = new byte[size * size];
        for (int y = 0; y < Math.Min(geo.ScaledHeight, size); y++)
        {
            int sy = Math.Min(geo.Height - 1, (int)((y + 0.5) * geo.Height / geo.ScaledHeight));
            for (int x = 0; x < Math.Min(geo.ScaledWidth, size); x++)
            {
                int sx = Math.Min(geo.Width - 1, (int)((x + 0.5) * geo.Width / geo.ScaledWidth));
                mask[y * size + x] = full[sy * geo.Width + sx];
            }
        }
        return mask;
    }

    /// <summary>A row-major 0/1 mask [h, w] upscaled by nearest neighbour to booleans [h*scale, w*scale].</summary>
    internal static bool[] Upscale(ReadOnlySpan<byte> mask, int h, int w, int scale)
    {
        int W = w * scale;
        var result = new bool[h * scale * W];
        for (int y = 0; y < h * scale; y++)
            for (int x = 0; x < W; x++)
                result[y * W + x] = mask[(y / scale) * w + x / scale] != 0;
        return result;
    }
}
