using MagvitSeg.Config;


namespace MagvitSeg.Tests.Config;

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.25e-4)]      // warm-up: 1e-4 * 1/4
    [InlineData(3, 1e-4)]         // end of warm-up
    [InlineData(4, 1e-4)]         // cosine start
    [InlineData(7, 0.5e-4)]       // half-way through 4..10: cos(pi/2) -> half the peak
    [InlineData(10, 0.0)]         // end
    [InlineData(50, 0.0)]
    public void WarmupThenCosine(long step, double expected) =>
        Assert.Equal(expected, LearningRateSchedule.At(step, 1e-4, warmupSteps: 4, totalSteps: 10), 12);
}
