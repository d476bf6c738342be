using System.Globalization;
using MagvitSeg.Data;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Training;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;
using SkiaSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Inspection;

/// <summary>Reconstructions of held-out clips by a tokenizer, with their quality.</summary>
/// <param name="Grid">Per clip a row of input frames over a row of reconstructed frames.</param>
/// <param name="Metrics">PSNR, SSIM, perplexity and codebook usage over those clips.</param>
public sealed record ReconstructionView(PngImage Grid, TokenizerEvalResult Metrics);

/// <summary>The curves and pictures of a tokenizer run (<see cref="PretrainOutput"/>): metrics.csv, eval.csv, reconstructions.</summary>
public static class PretrainReport
{
    /// <summary>Loss terms drawn on the loss chart, when they are not zero throughout.</summary>
    public static readonly string[] LossTerms = { "loss", "recon", "codebook", "commitment", "entropy", "g_adv", "perceptual", "d_loss", "r1", "lecam" };

    /// <summary>A numeric CSV written by <see cref="MetricsLog"/> as a DataFrame of double columns (invariant culture; "NaN" allowed).</summary>
    public static DataFrame ReadCsv(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist: has the run logged anything yet?", path);
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"'{path}' is empty: it has no header row.");
        var names = lines[0].Split(',');
        var values = names.Select(_ => new List<double>(lines.Length)).ToArray();
        for (int r = 1; r < lines.Length; r++)
        {
            var cells = lines[r].Split(',');
            if (cells.Length != names.Length)
                throw new InvalidDataException($"'{path}' line {r + 1} has {cells.Length} values for {names.Length} columns.");
            for (int c = 0; c < cells.Length; c++)
            {
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new InvalidDataException($"'{path}' line {r + 1}, column '{names[c]}': '{cells[c]}' is not a number.");
                values[c].Add(v);
            }
        }
        return new DataFrame(names.Select((n, c) => (DataFrameColumn)new DoubleDataFrameColumn(n, values[c])));
    }

    /// <summary>
    /// The training losses over steps (terms that are zero throughout are left out), each a trailing moving average
    /// over <paramref name="window"/> steps (0 = about a twentieth of the run) since per-batch losses are noisy.
    /// </summary>
    public static PlotlyFigure LossChart(DataFrame metrics, int window = 0)
    {
        var step = Column(metrics, "step");
        if (window <= 0) window = Math.Max(1, step.Length / 20);
        var series = LossTerms.Where(n => Has(metrics, n))
                              .Select(n => (n, step, MovingAverage(Column(metrics, n), window)))
                              .Where(s => s.Item3.Any(v => v != 0)).ToList();
        string title = window > 1 ? $"Training losses (moving average over {window} steps)" : "Training losses";
        return Charts.Line(series, title, "step", "value (weighted as in the total)");
    }

    /// <summary>Trailing moving average: element i is the mean of values[max(0, i - window + 1) .. i].</summary>
    public static double[] MovingAverage(double[] values, int window)
    {
        if (window < 1) throw new ArgumentException($"window must be at least 1, got {window}.", nameof(window));
        var result = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>Held-out PSNR (dB) over steps.</summary>
    public static PlotlyFigure PsnrChart(DataFrame eval) =>
        new(new Trace[] { new LineTrace("held-out PSNR", Column(eval, "step"), Column(eval, "psnr"), Markers: true) },
            new FigureLayout("Reconstruction PSNR (EMA model, held-out clips)", "step", "PSNR (dB)"));

    /// <summary>Codebook perplexity over steps: per training batch, and over the held-out tokens.</summary>
    public static PlotlyFigure PerplexityChart(DataFrame metrics, DataFrame? eval, int codebookSize)
    {
        var traces = new List<Trace> { new LineTrace("training batch", Column(metrics, "step"), Column(metrics, "perplexity")) };
        if (eval is not null && eval.Rows.Count > 0)
            traces.Add(new LineTrace("held-out (EMA)", Column(eval, "step"), Column(eval, "perplexity"), Markers: true));
        return new PlotlyFigure(traces, new FigureLayout($"Codebook perplexity (codebook size {codebookSize})", "step", "perplexity",
                                                         YRange: (0, codebookSize * 1.05)));
    }

    /// <summary>
    /// Reconstructs the first <paramref name="clips"/> held-out clips (batch 0 of <paramref name="heldOut"/>) with
    /// <paramref name="model"/>: a grid of input over output rows and the metrics over those clips.
    /// </summary>
    public static ReconstructionView Reconstructions(Magvit3dVqvae model, IClipSource heldOut, int clips = 3, int maxFrames = 8, int scale = 3)
    {
        Tensor? input = null, output = null;
        var metrics = TokenizerEvaluator.Evaluate(model, heldOut, 1, clips, (x, y) => { input = x; output = y; });
        try
        {
            var rows = new List<List<SKBitmap>>();
            var labels = new List<string>();
            try
            {
                for (int i = 0; i < clips; i++)
                {
                    using (var x = input![i]) rows.Add(ImageGrid.Frames(x, maxFrames));
                    using (var y = output![i]) rows.Add(ImageGrid.Frames(y, maxFrames));
                    labels.Add($"clip {i} input");
                    labels.Add($"clip {i} output");
                }
                using var grid = ImageGrid.Compose(rows, labels, Enumerable.Range(0, rows[0].Count).Select(t => $"t={t}").ToArray(), scale);
                return new ReconstructionView(PngImage.Encode(grid), metrics);
            }
            finally { foreach (var f in rows.SelectMany(r => r)) f.Dispose(); }
        }
        finally { input?.Dispose(); output?.Dispose(); }
    }

    /// <summary>An evaluation result as a one-row table.</summary>
    public static DataFrame Table(TokenizerEvalResult r, int codebookSize) => new(
        new DoubleDataFrameColumn("PSNR (dB)", new[] { r.Psnr }),
        new DoubleDataFrameColumn("SSIM", new[] { r.Ssim }),
        new DoubleDataFrameColumn("perplexity", new[] { r.Perplexity }),
        new StringDataFrameColumn("codes used", new[] { $"{r.Usage}/{codebookSize}" }),
        new DoubleDataFrameColumn("MSE ([-1, 1])", new[] { r.ReconL2 }));

    private static bool Has(DataFrame frame, string name) => frame.Columns.Any(c => c.Name == name);

    /// <summary>A numeric column of a table read by <see cref="ReadCsv"/> as doubles (null as NaN).</summary>
    /// <exception cref="ArgumentException">No such column (lists the columns there are).</exception>
    public static double[] Column(DataFrame frame, string name)
    {
        if (!Has(frame, name)) throw new ArgumentException($"The table has no column '{name}' (columns: {string.Join(", ", frame.Columns.Select(c => c.Name))}).");
        var col = frame.Columns[name];
        var result = new double[col.Length];
        for (long i = 0; i < col.Length; i++) result[i] = Convert.ToDouble(col[i] ?? double.NaN, CultureInfo.InvariantCulture);
        return result;
    }
}
