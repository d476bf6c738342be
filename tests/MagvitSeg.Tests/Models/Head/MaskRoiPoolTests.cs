using MagvitSeg.Config;
using MagvitSeg.Models.Head;
using MagvitSeg.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Head;

public class MaskRoiPoolTests
{
    [Fact]
    public void BoxGridsSpanTheMaskBoxWithHalfAPixelMarginAndTheWholeMapWhenEmpty()
    {
        // 4x4 map; query 0 owns rows 1-2, columns 2-3; query 1 is empty.
        var logits = full(new long[] { 1, 2, 4, 4 }, -5f);
        logits[0, 0, TensorIndex.Slice(1, 3), TensorIndex.Slice(2, 4)] = tensor(5f);
        var g = MaskRoiPool.BoxGrids(logits, 2);                                        // [1, 2, 2, 2, 2] (x, y)
        Assert.Equal(new long[] { 1, 2, 2, 2, 2 }, g.shape);
        // By hand: rows 1..2 -> edges (1 - 0.5)/4*2-1 = -0.75 and (2 + 1.5)/4*2-1 = 0.75; samples at 1/4 and 3/4.
        // Columns 2..3 -> edges -0.25 and 1.25.
        float[] expectX = { 0.125f, 0.875f }, expectY = { -0.375f, 0.375f };
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(expectX[j], g[0, 0, i, j, 0].item<float>(), 5);
                Assert.Equal(expectY[i], g[0, 0, i, j, 1].item<float>(), 5);
                Assert.Equal(j == 0 ? -0.5f : 0.5f, g[0, 1, i, j, 0].item<float>(), 5);
                Assert.Equal(i == 0 ? -0.5f : 0.5f, g[0, 1, i, j, 1].item<float>(), 5);
            }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void TheReadOutIsTranslationInvariantAndTellsOutlinesApart(int convChannels)
    {
        TorchRuntime.Seed(0);
        using var pool = new MaskRoiPool(maskDim: 3, hiddenDim: 8, grid: 4, convChannels);
        var pixel = ones(new long[] { 1, 3, 16, 16 });                                     // flat embeddings: only the outline differs
        Tensor Square(int y, int x)
        {
            var m = full(new long[] { 16, 16 }, -9f);
            m[TensorIndex.Slice(y, y + 6), TensorIndex.Slice(x, x + 6)] = tensor(9f);
            return m;
        }
        var diamond = full(new long[] { 16, 16 }, -9f);
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 7; x++)
                if (Math.Abs(y - 3) + Math.Abs(x - 3) <= 3) diamond[y + 2, x + 2] = tensor(9f);
        var masks = stack(new[] { Square(1, 1), Square(8, 9), diamond }).unsqueeze(0);    // [1, 3, 16, 16]
        using var _ = no_grad();
        var v = pool.forward(masks, pixel)[0];                                              // [3, 8]
        Assert.True((v[0] - v[1]).abs().max().item<float>() < 1e-5f, "the same square at two places must read the same");
        Assert.True((v[0] - v[2]).abs().max().item<float>() > 1e-3f, "a square and a diamond must read differently");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void AHeadWithTheReadOutTrainsEveryParameter(int convChannels)
    {
        TorchRuntime.Seed(2);
        using var head = new MaskHead(new long[] { 16 }, 2, MaskHeadConfig.Tiny with { ExtraUpsample = 0, ClassRoiGrid = 4, ClassRoiConv = convChannels });
        var feats = new[] { randn(new long[] { 2, 16, 8, 8 }) };
        var targets = new[]
        {
            new InstanceTarget(rand(new long[] { 2, 8, 8 }) > 0.5, tensor(new long[] { 0, 1 })),
            new InstanceTarget(ones(new long[] { 1, 8, 8 }), tensor(new long[] { 1 })),
        };
        using var o = head.forward(feats);
        Assert.Equal(new long[] { 2, 10, 3 }, o.ClassLogits.shape);
        using var g = new Generator(3);
        new MaskHeadLoss(2, new MaskLossConfig(Points: 16)).Compute(o, targets, g).Total.backward();
        var missing = head.named_parameters().Where(p => p.parameter.grad is null || !p.parameter.grad.isfinite().all().item<bool>()).Select(p => p.name).ToList();
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(2, 5)]
    [InlineData(1, 3)]
    public void TheGatherConvolutionIsTorchsConv2d(long stride, long size)
    {
        // The read-out's convolutions avoid oneDNN's conv2d (see MaskRoiPool.ReadConvs); they must compute what
        // conv2d computes with the same module, forward and backward (input, weight and bias gradients).
        // float64: libtorch's own convolution kernels (oneDNN takes float32 only), so the reference is not the kernel avoided.
        TorchRuntime.Seed(5);
        using var conv = nn.Conv2d(3, 4, 3, stride: stride, padding: 1, dtype: float64);
        var x = randn(new long[] { 2, 3, size, size + 1 }, dtype: float64).requires_grad_(true);
        var x2 = x.detach().clone().requires_grad_(true);
        var reference = conv.forward(x);
        var w = randn(reference.shape, dtype: float64);
        (reference * w).sum().backward();
        var weightGrad = conv.weight!.grad!.clone();
        var biasGrad = conv.bias!.grad!.clone();
        conv.zero_grad();
        var ours = MaskRoiPool.Conv3x3(x2, conv, stride);
        Assert.Equal(reference.shape, ours.shape);
        Assert.True((reference - ours).abs().max().item<double>() < 1e-12, "forward");
        (ours * w).sum().backward();
        Assert.True((x.grad! - x2.grad!).abs().max().item<double>() < 1e-12, "input gradient");
        Assert.True((weightGrad - conv.weight.grad!).abs().max().item<double>() < 1e-12, "weight gradient");
        Assert.True((biasGrad - conv.bias.grad!).abs().max().item<double>() < 1e-12, "bias gradient");
    }

    [Fact]
    public void TheConvolutionalReadOutIsTheChannelsFirstSampleThroughConv2dAndProj()
    {
        // The read-out gathers its sample channels last; it must be the function the module describes: sample the
        // embeddings and the mask on the box grid, stack [emb * prob, prob] channels first, conv - relu - conv(stride 2) -
        // relu, flatten (C, y, x), project. Built here from public pieces with conv2d, in float64.
        TorchRuntime.Seed(11);
        using var pool = new MaskRoiPool(maskDim: 5, hiddenDim: 6, grid: 4, convChannels: 3);
        pool.to(float64);
        var logits = randn(new long[] { 2, 3, 8, 8 }, dtype: float64) * 3;
        var pixel = randn(new long[] { 2, 5, 8, 8 }, dtype: float64).requires_grad_(true);
        var pixel2 = pixel.detach().clone().requires_grad_(true);
        var modules = pool.named_modules().ToDictionary(m => m.name, m => m.module);
        var conv1 = (TorchSharp.Modules.Conv2d)modules["convs.0"];
        var conv2 = (TorchSharp.Modules.Conv2d)modules["convs.2"];
        var proj = (TorchSharp.Modules.Linear)modules["proj"];

        var grid = MaskRoiPool.BoxGrids(logits, 4);                                     // [2, 3, 4, 4, 2]
        var emb = nn.functional.grid_sample(pixel2, grid.reshape(2, 12, 4, 2), align_corners: false)
            .view(2, 5, 3, 4, 4).permute(0, 2, 1, 3, 4);                                // [2, 3, 5, 4, 4]
        var prob = nn.functional.grid_sample(logits.sigmoid().reshape(6, 1, 8, 8), grid.reshape(6, 4, 4, 2), align_corners: false)
            .view(2, 3, 1, 4, 4);
        var roi = cat(new[] { emb * prob, prob }, 2).reshape(6, 6, 4, 4);
        var read = nn.functional.relu(conv2.forward(nn.functional.relu(conv1.forward(roi))));  // [6, 3, 2, 2]
        var reference = proj.forward(read.reshape(2, 3, -1));                           // [2, 3, 6]

        var ours = pool.forward(logits, pixel);
        Assert.Equal(reference.shape, ours.shape);
        Assert.True((reference - ours).abs().max().item<double>() < 1e-12, "forward");
        var w = randn(reference.shape, dtype: float64);
        (reference * w).sum().backward();
        (ours * w).sum().backward();
        Assert.True((pixel.grad! - pixel2.grad!).abs().max().item<double>() < 1e-12, "embedding gradient");
    }

    [Fact]
    public void AConvolutionalReadOutNeedsAGrid()
    {
        var e = Assert.Throws<ArgumentException>(() => new MaskHead(new long[] { 16 }, 2, MaskHeadConfig.Tiny with { ClassRoiGrid = 0, ClassRoiConv = 8 }));
        Assert.Contains("ClassRoiGrid", e.Message);
    }
}
