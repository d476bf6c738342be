using MagvitSeg.Models.Tokenizer;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

public class Decoder3dTests
{
    [Theory]
    [InlineData(true, 8f)]
    [InlineData(false, 4f)]
    public void UpsampleIsNearestAndItsGradientCountsTheCopies(bool temporal, float copies)
    {
        using var x = arange(2 * 3 * 2 * 2 * 2, dtype: float32).reshape(2, 3, 2, 2, 2).requires_grad_(true);
        var y = Decoder3d.Upsample(x, temporal);
        long kt = temporal ? 2 : 1;
        Assert.Equal(new long[] { 2, 3, 2 * kt, 4, 4 }, y.shape);
        // Nearest: output (t, h, w) copies input (t / kt, h / 2, w / 2).
        Assert.Equal(x[1, 2, 1, 1, 0].item<float>(), y[1, 2, 2 * kt - 1, 3, 1].item<float>());
        Assert.Equal(x[0, 1, 0, 0, 1].item<float>(), y[0, 1, 0, 1, 2].item<float>());
        // Regression: repeat_interleave's backward once gave NaN here; every input feeds exactly kt*4 outputs.
        y.sum().backward();
        Assert.True(x.grad!.eq(copies).all().item<bool>());
    }
}
