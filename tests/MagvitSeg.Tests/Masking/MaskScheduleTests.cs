using MagvitSeg.Masking;

namespace MagvitSeg.Tests.Masking;

public class MaskScheduleTests
{
    [Theory]
    [InlineData("cosine", 0.0, 1.0)]
    [InlineData("cosine", 0.5, 0.70710678118654757)]     // cos(pi/4)
    [InlineData("cosine", 1.0, 1e-6)]                    // cos(pi/2) ~ 6e-17, clipped to 1e-6
    [InlineData("uniform", 0.25, 0.75)]
    [InlineData("pow2", 0.5, 0.75)]
    [InlineData("pow2.5", 0.25, 0.96875)]                // 1 - 0.25^2.5 = 1 - 1/32
    [InlineData("log", 0.5, 0.125)]                      // -log2(0.5) / log2(256)
    [InlineData("exp", 0.5, 0.9375)]                     // 1 - 2^(-8 * 0.5)
    [InlineData("poly:1,0,0", 0.5, 0.25)]                // r^2
    [InlineData("poly:-1,1", 0.25, 0.75)]                // 1 - r
    public void ScheduleValuesByHand(string method, double r, double expected) =>
        Assert.Equal(expected, MaskSchedule.Ratio(r, 256, method), 12);

    [Fact]
    public void UnknownScheduleIsRejected() => Assert.Throws<ArgumentException>(() => MaskSchedule.Ratio(0.5, 256, "sqrt"));

    [Theory]
    [InlineData(10, 0.35, 3)]      // floor(3.5)
    [InlineData(10, 0.0, 1)]       // at least one token
    [InlineData(10, 1.0, 10)]
    [InlineData(1024, 0.70710678118654757, 724)]
    [InlineData(0, 0.5, 0)]        // nothing maskable
    public void NumMaskedAsMaskUtils(long maskable, double ratio, long expected) =>
        Assert.Equal(expected, MaskSchedule.NumMasked(maskable, ratio));
}
