namespace MagvitSeg.Training;

/// <summary>Learning-rate schedules as pure functions of the step.</summary>
public static class Schedules
{
    /// <summary>
    /// (1) linear warm-up from 0 to <paramref name="peak"/> over <paramref name="warmup"/> steps, (2) cosine decay to
    /// <paramref name="floor"/> x peak at <paramref name="total"/>, (3) the floor after that.
    /// </summary>
    public static double WarmupCosine(long step, double peak, long warmup, long total, double floor = 0.0)
    {
        if (warmup > 0 && step < warmup) return peak * (step + 1) / warmup;
        if (step >= total) return peak * floor;
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
