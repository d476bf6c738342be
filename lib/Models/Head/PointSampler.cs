using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Mask2Former's <c>point_sample</c>: bilinear <c>grid_sample</c> (align_corners = false, zero padding) of maps at
/// normalised points (x, y) in [0, 1]^2, where (0, 0) is the top-left corner of the image and 1 its far edge.
/// </summary>
public static class PointSampler
{
    /// <summary>maps [M, H, W] at points [M, P, 2] (or shared [P, 2]) -> [M, P].</summary>
    public static Tensor Sample(Tensor maps, Tensor points)
    {
        using var scope = NewDisposeScope();
        long m = maps.shape[0];
        var pts = points.dim() == 2 ? points.unsqueeze(0).expand(m, -1, -1) : points;     // [M, P, 2]
        return scope.MoveToOuter(SampleChannels(maps.unsqueeze(1), pts).squeeze(1));         // [M, P]
    }

    /// <summary>
    /// Every channel of maps [G, C, H, W] at the group's points [G, P, 2] -> [G, C, P]: one <c>grid_sample</c> for a
    /// whole batch (e.g. all queries' masks of all images and decoder layers), instead of one call per image.
    /// </summary>
    public static Tensor SampleChannels(Tensor maps, Tensor points)
    {
        using var scope = NewDisposeScope();
        var grid = (points.to(maps.dtype == ScalarType.Float64 ? float64 : float32) * 2 - 1).unsqueeze(2); // [G, P, 1, 2]
        var input = maps.to(grid.dtype);
        var s = nn.functional.grid_sample(input, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        return scope.MoveToOuter(s.squeeze(3));                                              // [G, C, P]
    }

    /// <summary>Point weights from an ignore map sampled at the points: 0 where the (bilinear) ignore value exceeds 0.5, else 1.</summary>
    public static Tensor KeptWeights(Tensor ignoreAtPoints) => (1 - ignoreAtPoints >= 0.5).to(float32);

    /// <summary>Uniform random points [count, points, 2] drawn on the CPU from <paramref name="generator"/>, moved to <paramref name="device"/>.</summary>
    public static Tensor Uniform(long count, long points, Generator? generator, Device? device = null) =>
        rand(new[] { count, points, 2 }, dtype: float32, generator: generator).to(device ?? CPU);

    /// <summary>The centres of an h x w grid's pixels, [h*w, 2] as (x, y), row-major.</summary>
    public static Tensor PixelCentres(long h, long w, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var ys = ((arange(h, dtype: float32) + 0.5f) / h).view(h, 1).expand(h, w);
        var xs = ((arange(w, dtype: float32) + 0.5f) / w).view(1, w).expand(h, w);
        return scope.MoveToOuter(stack(new[] { xs, ys }, -1).reshape(h * w, 2).to(device ?? CPU));
    }
}
