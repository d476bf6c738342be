using MagvitSeg.Data.Coco;
using MagvitSeg.Viz;
using Microsoft.Data.Analysis;

namespace MagvitSeg.Inspection;

/// <summary>
/// Instance statistics of a COCO-format split (COCO, coco-tiny, MovingShapes stills): instances per image, instance
/// areas (absolute and as a fraction of the image) and instances per category. Crowd regions are counted apart and
/// left out of every other statistic, as COCO's evaluation ignores them.
/// </summary>
/// <param name="Name">Name of the split in tables and charts.</param>
/// <param name="Images">Images in the split.</param>
/// <param name="Crowd">Crowd (iscrowd = 1) annotations.</param>
/// <param name="InstancesPerImage">Non-crowd instances of each image, in image order.</param>
/// <param name="Areas">Area in pixels of each non-crowd instance (the annotation's area).</param>
/// <param name="RelativeAreas">Area of each non-crowd instance divided by its image's width x height.</param>
/// <param name="PerCategory">Non-crowd instances per category, most frequent first (ties by name); categories without instances included.</param>
public sealed record DatasetStatistics(string Name, int Images, int Crowd, int[] InstancesPerImage, double[] Areas, double[] RelativeAreas,
                                       (string Category, int Count)[] PerCategory)
{
    /// <summary>COCO's small/medium boundaries in pixels: area &lt; 32² is small, &lt; 96² medium, else large.</summary>
    public const double SmallArea = 32 * 32, MediumArea = 96 * 96;

    /// <summary>Non-crowd instances.</summary>
    public int Instances => Areas.Length;

    /// <summary>The statistics of <paramref name="gt"/>.</summary>
    public static DatasetStatistics From(string name, CocoDataset gt)
    {
        var index = gt.Images.Select((im, i) => (im.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var perImage = new int[gt.Images.Count];
        var perCategory = gt.Categories.ToDictionary(c => c.Id, _ => 0);
        var areas = new List<double>();
        var relative = new List<double>();
        int crowd = 0;
        foreach (var a in gt.Annotations)
        {
            if (a.IsCrowd) { crowd++; continue; }
            if (!index.TryGetValue(a.ImageId, out int i))
                throw new InvalidDataException($"{gt.Source}: annotation {a.Id} refers to image {a.ImageId}, which is not in the split.");
            perImage[i]++;
            perCategory[a.CategoryId] = perCategory.GetValueOrDefault(a.CategoryId) + 1;
            var im = gt.Images[i];
            areas.Add(a.Area);
            relative.Add(a.Area / Math.Max(1.0, (double)im.Width * im.Height));
        }
        var cats = perCategory.Select(p => (Category: gt.CategoryById.TryGetValue(p.Key, out var c) ? c.Name : $"id {p.Key}", Count: p.Value))
                              .OrderByDescending(p => p.Count).ThenBy(p => p.Category, StringComparer.Ordinal).ToArray();
        return new DatasetStatistics(name, gt.Images.Count, crowd, perImage, areas.ToArray(), relative.ToArray(), cats);
    }

    /// <summary>One row per split: images, instances, crowd, categories used, instances per image, area quantiles, COCO size classes.</summary>
    public static DataFrame Summary(IEnumerable<DatasetStatistics> splits)
    {
        var list = splits.ToList();
        double Median(double[] v) => v.Length == 0 ? double.NaN : Quantile(v, 0.5);
        return new DataFrame(
            new StringDataFrameColumn("split", list.Select(s => s.Name)),
            new Int32DataFrameColumn("images", list.Select(s => s.Images)),
            new Int32DataFrameColumn("instances", list.Select(s => s.Instances)),
            new Int32DataFrameColumn("crowd", list.Select(s => s.Crowd)),
            new Int32DataFrameColumn("categories used", list.Select(s => s.PerCategory.Count(c => c.Count > 0))),
            new DoubleDataFrameColumn("instances/image", list.Select(s => s.Images == 0 ? double.NaN : (double)s.Instances / s.Images)),
            new Int32DataFrameColumn("max/image", list.Select(s => s.InstancesPerImage.DefaultIfEmpty(0).Max())),
            new DoubleDataFrameColumn("median area (px)", list.Select(s => Median(s.Areas))),
            new DoubleDataFrameColumn("median area (% image)", list.Select(s => 100 * Median(s.RelativeAreas))),
            new Int32DataFrameColumn("small", list.Select(s => s.Areas.Count(a => a < SmallArea))),
            new Int32DataFrameColumn("medium", list.Select(s => s.Areas.Count(a => a >= SmallArea && a < MediumArea))),
            new Int32DataFrameColumn("large", list.Select(s => s.Areas.Count(a => a >= MediumArea))));
    }

    /// <summary>Instances per category (the <paramref name="top"/> most frequent; 0 = all) with their share of the split.</summary>
    public DataFrame CategoryTable(int top = 0)
    {
        var rows = top > 0 ? PerCategory.Take(top).ToArray() : PerCategory;
        return new DataFrame(
            new StringDataFrameColumn("category", rows.Select(r => r.Category)),
            new Int32DataFrameColumn("instances", rows.Select(r => r.Count)),
            new DoubleDataFrameColumn("% of instances", rows.Select(r => Instances == 0 ? 0 : 100.0 * r.Count / Instances)));
    }

    /// <summary>Grouped bars: the share of images (%) holding 0, 1, 2, ... instances, one series per split.</summary>
    public static PlotlyFigure InstancesPerImageChart(IEnumerable<DatasetStatistics> splits, int maxCount = 30)
    {
        var list = splits.ToList();
        int top = Math.Min(maxCount, list.SelectMany(s => s.InstancesPerImage).DefaultIfEmpty(0).Max());
        var categories = Enumerable.Range(0, top + 1).Select(k => k == maxCount ? $"{k}+" : k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var traces = list.Select(s =>
        {
            var y = new double[top + 1];
            foreach (int k in s.InstancesPerImage) y[Math.Min(k, top)] += 100.0 / Math.Max(1, s.Images);
            return (Trace)new BarTrace(s.Name, categories, y);
        });
        return new PlotlyFigure(traces, new FigureLayout("Instances per image", "instances in the image", "% of images",
                                                         Width: Math.Clamp(200 + 24 * categories.Length, 600, 1400)));
    }

    /// <summary>
    /// Instance sizes: for each split the share of instances (%) per bin of log10(area / image area), as lines with
    /// markers so splits of different image sizes compare on one axis.
    /// </summary>
    public static PlotlyFigure AreaChart(IEnumerable<DatasetStatistics> splits, int bins = 16)
    {
        var list = splits.Where(s => s.Instances > 0).ToList();
        if (list.Count == 0) throw new ArgumentException("AreaChart: no split has instances.", nameof(splits));
        var logs = list.Select(s => s.RelativeAreas.Select(a => Math.Log10(Math.Max(a, 1e-7))).ToArray()).ToList();
        double lo = Math.Floor(logs.SelectMany(v => v).Min() * 4) / 4, hi = Math.Ceiling(logs.SelectMany(v => v).Max() * 4) / 4;
        if (hi <= lo) hi = lo + 0.25;
        var centres = Enumerable.Range(0, bins).Select(k => lo + (hi - lo) * (k + 0.5) / bins).ToArray();
        var traces = list.Select((s, i) =>
        {
            var y = new double[bins];
            foreach (double v in logs[i]) y[Math.Clamp((int)((v - lo) / (hi - lo) * bins), 0, bins - 1)] += 100.0 / s.Instances;
            return (Trace)new LineTrace(s.Name, centres, y, Markers: true);
        });
        return new PlotlyFigure(traces, new FigureLayout("Instance area", "log10(instance area / image area)", "% of instances"));
    }

    /// <summary>Bars of instances per category, most frequent first (the <paramref name="top"/> most frequent; 0 = all).</summary>
    public PlotlyFigure CategoryChart(int top = 0)
    {
        var rows = top > 0 ? PerCategory.Take(top).ToArray() : PerCategory;
        return Charts.Bars(rows.Select(r => r.Category).ToArray(), rows.Select(r => (double)r.Count).ToArray(),
                           $"Instances per category: {Name}", "instances", Name);
    }

    /// <summary>The <paramref name="q"/>-quantile (linear interpolation between order statistics).</summary>
    internal static double Quantile(double[] values, double q)
    {
        if (values.Length == 0) throw new ArgumentException("Quantile of no values.", nameof(values));
        var s = values.OrderBy(v => v).ToArray();
        double pos = q * (s.Length - 1);
        int i = (int)Math.Floor(pos);
        return i + 1 < s.Length ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
    }
}
