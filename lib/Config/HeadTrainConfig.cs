namespace MagvitSeg.Config;

/// <summary>
/// Head training settings (seg-head.md protocol): AdamW lr 1e-4, weight decay 0.05, cosine decay after an optional
/// linear warm-up, gradient-norm clipping (Mask2Former clips the full model at 0.01; 0 turns it off), seeded.
/// </summary>
/// <param name="Steps">Optimiser steps. <value>The default value is 1000.</value></param>
/// <param name="LearningRate">Peak AdamW learning rate. <value>The default value is 1e-4.</value></param>
/// <param name="WeightDecay">AdamW weight decay. <value>The default value is 0.05.</value></param>
/// <param name="WarmupSteps">Linear warm-up steps. <value>The default value is 0.</value></param>
/// <param name="MinLrFraction">Floor of the cosine decay, as a fraction of the peak. <value>The default value is 0.</value></param>
/// <param name="GradClip">Gradient-norm clip (0 turns it off). <value>The default value is 0.01.</value></param>
/// <param name="Seed">Seeds the head's initialisation and the sampled points. <value>The default value is 0.</value></param>
/// <param name="LogIntervalSeconds">Seconds between progress lines. <value>The default value is 2.</value></param>
public sealed record HeadTrainConfig(
    int Steps = 1000,
    double LearningRate = 1e-4,
    double WeightDecay = 0.05,
    int WarmupSteps = 0,
    double MinLrFraction = 0.0,
    double GradClip = 0.01,
    long Seed = 0,
    double LogIntervalSeconds = 2)
{
    /// <summary>The learning rate at a step: linear warm-up, then cosine from the peak to MinLrFraction x peak.</summary>
    public double LearningRateAt(int step) => LearningRateSchedule.At(step, LearningRate, WarmupSteps, Steps, MinLrFraction);
}
