using MagvitSeg.Viz;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Viz;

public class LatentPcaTests
{
    [Fact]
    public void ProjectsOnKnownPrincipalAxesWithDeterministicSigns()
    {
        // 4 positions (h = 1, w = 4), 4 channels. Over positions the centred signals are
        //   a = ( 2, -2,  0,  0)  |a|^2 = 8  -> first component, along channel 0
        //   b = ( 0,  0,  1, -1)  |b|^2 = 2  -> second, along channel 1 (stored NEGATED: channel 1 = 3 - b)
        //   c = (.5, .5, -.5, -.5) |c|^2 = 1 -> third, along channel 2
        // a, b, c are orthogonal, so the principal axes are exactly e0, e1, e2; channel 3 is constant (no variance).
        // Sign rule: each axis' largest loading positive -> projections a, -b, c. Min-max to [0, 1] by hand:
        //   R = (a + 2) / 4 = (1, 0, .5, .5); G = (-b + 1) / 2 = (.5, .5, 0, 1); B = (c + .5) / 1 = (1, 1, 0, 0).
        var f = new float[]
        {
            10 + 2, 10 - 2, 10, 10,
            3 - 0, 3 - 0, 3 - 1, 3 + 1,
            -1 + .5f, -1 + .5f, -1 - .5f, -1 - .5f,
            5, 5, 5, 5,
        };
        using var features = tensor(f).reshape(4, 1, 4); // [C, h, w]
        using var rgb = LatentPca.Project(features);     // [3, h, w]
        Assert.Equal(new long[] { 3, 1, 4 }, rgb.shape);
        var got = rgb.data<float>().ToArray();
        var want = new float[] { 1, 0, .5f, .5f, .5f, .5f, 0, 1, 1, 1, 0, 0 };
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 5);
    }

    [Fact]
    public void TwoChannelsLeaveBlueMidGrey()
    {
        using var features = tensor(new float[] { 0, 1, 2, 3, 1, 1, 1, 1 }).reshape(2, 2, 2); // [C, h, w]
        using var rgb = LatentPca.Project(features);
        var got = rgb.data<float>().ToArray();
        var red = new[] { 0f, 1f / 3, 2f / 3, 1f };
        for (int i = 0; i < 4; i++) Assert.Equal(red[i], got[i], 5);
        Assert.All(got[4..], v => Assert.Equal(0.5f, v, 5)); // G: no second component with variance; B: none at all
        var png = LatentPca.ToPng(features, scale: 4);
        Assert.Equal(8, png.Width);
    }
}
