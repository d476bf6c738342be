namespace MagvitSeg.Config;

/// <summary>Linear warm-up then cosine decay, as a pure function of the step (so resuming needs no scheduler state).</summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// 1) steps [0, warmup): peak * (step + 1) / warmup; 2) [warmup, total): cosine from peak to floor x peak;
    /// 3) from total on: floor x peak (the floor defaults to 0).
    /// </summary>
    public static double At(long step, double peak, long warmupSteps, long totalSteps, double floor = 0.0)
    {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        if (step >= totalSteps) return peak * floor;
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
