using MagvitSeg.Study;

namespace MagvitSeg.Tests.Study;

/// <summary>Label budgets: nested subsets of one fixed permutation, and the step rule.</summary>
public class LabelBudgetTests
{
    [Fact]
    public void SubsetsAreNestedAndTheSameForEveryCaller()
    {
        var perm = LabelBudget.Permutation(5000);
        Assert.Equal(Enumerable.Range(0, 5000), perm.Order());
        Assert.NotEqual(Enumerable.Range(0, 5000), perm);                         // shuffled, not the file order
        int[] budgets = { 50, 250, 1000, 5000 };
        var subsets = budgets.Select(n => LabelBudget.Subset(5000, n)).ToArray();
        for (int b = 0; b < budgets.Length; b++)
        {
            Assert.Equal(budgets[b], subsets[b].Distinct().Count());
            Assert.Equal(perm.Take(budgets[b]).Order(), subsets[b]);
            if (b > 0) Assert.Empty(subsets[b - 1].Except(subsets[b]));
        }
        // No state: a second call (another arm, another seed, another process) gets the same images.
        Assert.Equal(subsets[0], LabelBudget.Subset(5000, 50));
        Assert.Throws<ArgumentException>(() => LabelBudget.Subset(5000, 5001));
    }

    [Theory]
    // cpu: 2400 steps at 5000 stills, floor a quarter (600 steps).
    [InlineData(50, 600)]       // 24 steps at equal epochs, raised to the floor
    [InlineData(1000, 600)]     // 480, raised to the floor
    [InlineData(2500, 1200)]    // equal epochs
    [InlineData(5000, 2400)]    // the full budget trains as the study
    public void StepsFollowTheFullBudgetsEpochsBetweenTheFloorAndTheFullSteps(int n, int steps) =>
        Assert.Equal(steps, LabelBudget.Steps(2400, 5000, n, 0.25));
}
