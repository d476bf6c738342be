namespace MagvitSeg.Evaluation;

/// <summary>Which geometry is compared.</summary>
public enum IouType
{
    /// <summary>Instance masks.</summary>
    Segm,
    /// <summary>Boxes.</summary>
    Bbox,
}

/// <summary>
/// COCOeval's parameters, with pycocotools' defaults computed the way numpy computes them (linspace), because
/// thresholds like 0.8999999999999999 and 0.35000000000000003 decide matches and precision lookups.
/// </summary>
public sealed record CocoEvalParams
{
    /// <summary>IoU thresholds. The default value is numpy's linspace(.5, .95, 10).</summary>
    public double[] IouThrs { get; init; } = Linspace(0.5, 0.95, 10);
    /// <summary>Recall thresholds. The default value is numpy's linspace(0, 1, 101).</summary>
    public double[] RecThrs { get; init; } = Linspace(0.0, 1.0, 101);
    /// <summary>Detections kept per image and category. The default value is [1, 10, 100].</summary>
    public int[] MaxDets { get; init; } = { 1, 10, 100 };
    /// <summary>Area ranges (inclusive both ends). The default value is all, small, medium, large.</summary>
    public (double Lo, double Hi)[] AreaRng { get; init; } =
        { (0, 1e5 * 1e5), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e5 * 1e5) };
    /// <summary>Area range labels. The default value is all, small, medium, large.</summary>
    public string[] AreaRngLbl { get; init; } = { "all", "small", "medium", "large" };
    /// <summary>
    /// pycocotools' useCats. False pools every category into one (class-agnostic AP: is each object found and
    /// segmented, whatever class it is given). The default value is true.
    /// </summary>
    public bool UseCats { get; init; } = true;

    /// <summary>numpy.linspace(start, stop, num): start + i*step, with the last value set to stop exactly.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        if (num == 1) { y[0] = start; return y; }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }
}
