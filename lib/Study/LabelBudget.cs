using MagvitSeg.Evaluation;

namespace MagvitSeg.Study;

/// <summary>
/// Label budgets: which training stills a probe may learn from, and for how many steps. The subset of budget N is the
/// first N images of one fixed permutation of the training split, so budgets are nested (the 250 hold the 50) and every
/// arm and seed sees the same labelled images; the permutation depends only on the split size and a constant seed
/// (SplitMix64, never HashCode).
/// </summary>
public static class LabelBudget
{
    /// <summary>The seed of the permutation (issue 21).</summary>
    public const ulong PermutationSeed = 21;

    /// <summary>A Fisher-Yates permutation of 0..count-1 drawn with SplitMix64 from <paramref name="seed"/>.</summary>
    public static int[] Permutation(int count, ulong seed = PermutationSeed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var rng = new SplitMix64(seed);
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Below(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The training rows of budget <paramref name="n"/> (ascending): the first n of the permutation.</summary>
    public static int[] Subset(int count, int n)
    {
        if (n < 1 || n > count) throw new ArgumentException($"Label budget {n} is outside 1..{count}, the training stills of this profile.");
        return Permutation(count).Take(n).Order().ToArray();
    }

    /// <summary>
    /// Optimiser steps for budget <paramref name="n"/>: as many epochs as the full budget gives on the full split
    /// (steps = fullSteps x n / fullImages), but never fewer than <paramref name="floorFraction"/> x fullSteps and never
    /// more than fullSteps. Why: at a fixed number of steps a small budget would see each image hundreds of times more
    /// than the full one and a large one would be under-trained relative to it; at a fixed number of epochs the 50-image
    /// probes would take a handful of steps and stop before their loss flattens (they would measure the optimiser, not
    /// the features). The floor gives the small budgets enough steps to fit their few images (more epochs, so they can
    /// over-fit, which is part of what a label budget measures); the cap keeps every budget at most the full compute.
    /// </summary>
    public static int Steps(int fullSteps, int fullImages, int n, double floorFraction)
    {
        if (fullSteps < 1 || fullImages < 1 || n < 1) throw new ArgumentException($"LabelBudget.Steps: steps {fullSteps}, images {fullImages}, budget {n} must be positive.");
        int epochsMatched = (int)Math.Ceiling((double)fullSteps * n / fullImages);
        int floor = (int)Math.Ceiling(floorFraction * fullSteps);
        return Math.Clamp(epochsMatched, Math.Min(floor, fullSteps), fullSteps);
    }
}
