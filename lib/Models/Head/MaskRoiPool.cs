using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Box-aligned read-out of each query's own mask for classification (Mask R-CNN's RoIAlign, with the box taken from
/// the query's predicted mask): the per-pixel embeddings and the mask probability are resampled on an R x R grid
/// spanning the mask's bounding box, weighted by the mask, and projected to the query width.
/// Why: attention pools a mask region into a weighted average, which keeps what the region looks like but not its
/// outline; categories that differ only by outline (MovingShapes' circle, square, star, ...) need the shape in a
/// frame that does not move or scale with the object. The box comes from the detached mask, so classification never
/// pushes the masks; the embeddings it reads are the pixel decoder's, i.e. still the frozen encoder's features.
/// </summary>
public sealed class MaskRoiPool : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear proj;
    private readonly Sequential? convs;
    private readonly long _grid;

    /// <param name="maskDim">Channels M of the per-pixel embeddings.</param>
    /// <param name="hiddenDim">Query width D the read-out is projected to.</param>
    /// <param name="grid">R: samples per box side.</param>
    /// <param name="convChannels">C &gt; 0: two 3x3 convolutions (C channels, the second with stride 2) read the R x R
    /// sample before the projection, as Mask R-CNN's box head does; 0 projects the flattened sample directly.</param>
    public MaskRoiPool(long maskDim, long hiddenDim, int grid, int convChannels = 0) : base(nameof(MaskRoiPool))
    {
        if (grid < 1) throw new ArgumentException($"MaskRoiPool: grid {grid} must be positive.");
        if (convChannels < 0) throw new ArgumentException($"MaskRoiPool: convChannels {convChannels} must not be negative.");
        _grid = grid;
        if (convChannels > 0)
        {
            // Why: a linear map of the flattened sample has to learn every outline at every offset separately;
            // convolutions share corner and edge detectors across the box, which is what tells a star from a circle.
            long half = (grid + 1) / 2;
            convs = nn.Sequential(
                nn.Conv2d(maskDim + 1, convChannels, 3, padding: 1), nn.ReLU(),
                nn.Conv2d(convChannels, convChannels, 3, stride: 2, padding: 1), nn.ReLU());
            proj = nn.Linear(convChannels * half * half, hiddenDim);
        }
        else proj = nn.Linear((maskDim + 1) * grid * grid, hiddenDim);
        RegisterComponents();
    }

    /// <summary>Mask logits [B, N, Hm, Wm] and per-pixel embeddings [B, M, Hm, Wm] -> per-query vectors [B, N, D].</summary>
    public override Tensor forward(Tensor maskLogits, Tensor pixel)
    {
        using var scope = NewDisposeScope();
        long b = maskLogits.shape[0], n = maskLogits.shape[1], hm = maskLogits.shape[2], wm = maskLogits.shape[3];
        long m = pixel.shape[1], r = _grid;
        var grid = BoxGrids(maskLogits.detach(), r);                                        // [B, N, R, R, 2]
        // Embeddings: one grid_sample per image over all its queries' boxes stacked along the output rows.
        var emb = nn.functional.grid_sample(pixel, grid.reshape(b, n * r, r, 2), GridSampleMode.Bilinear,
            GridSamplePaddingMode.Zeros, align_corners: false).view(b, m, n, r, r);        // [B, M, N, R, R]
        // Each query's own mask probability on its own box.
        var prob = nn.functional.grid_sample(maskLogits.detach().sigmoid().reshape(b * n, 1, hm, wm), grid.reshape(b * n, r, r, 2),
            GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);   // [B*N, 1, R, R]
        if (convs is null)
        {
            var p = prob.view(b, n, 1, r, r);
            var roi = cat(new[] { emb.permute(0, 2, 1, 3, 4) * p, p }, 2);                 // [B, N, M+1, R, R]
            return scope.MoveToOuter(proj.forward(roi.flatten(2)));                         // [B, N, D]
        }
        // The convolutions read the sample channels last (see Conv3x3ChannelsLast); proj reads (C, y, x) as before.
        var pl = prob.view(b, n, r, r, 1);
        var roiLast = cat(new[] { emb.permute(0, 2, 3, 4, 1) * pl, pl }, -1).view(b * n, r, r, m + 1); // [B*N, R, R, M+1]
        var read = ReadConvs(roiLast).permute(0, 3, 1, 2).reshape(b, n, -1);                // [B, N, C*(R/2)^2]
        return scope.MoveToOuter(proj.forward(read));                                       // [B, N, D]
    }

    // The two convolutions of `convs` (3x3, padding 1; strides 1 and 2) computed as a gather + matmul with the modules'
    // own weights, channels last in and out: the same function, parameters and state keys. Why not conv2d: libtorch's
    // oneDNN (3.7.1, jit:avx2) backward-data kernel for these tiny R x R maps returned non-finite input gradients on the
    // first call in a process on the project's AMD EPYC machines (head tests and studies went NaN at random steps; with
    // oneDNN switched off they never did; still so with libtorch 2.10: `bench head` went NaN at step 6 with conv2d).
    private Tensor ReadConvs(Tensor x)
    {
        var conv1 = (Conv2d)convs![0];
        var conv2 = (Conv2d)convs[2];
        return nn.functional.relu(Conv3x3ChannelsLast(nn.functional.relu(Conv3x3ChannelsLast(x, conv1, 1)), conv2, 2));
    }

    /// <summary>A 3x3 convolution with padding 1 as a gather + one matrix product: [N, C, H, W] -> [N, O, H', W'].</summary>
    internal static Tensor Conv3x3(Tensor x, Conv2d conv, long stride) =>
        Conv3x3ChannelsLast(x.permute(0, 2, 3, 1), conv, stride).permute(0, 3, 1, 2);

    /// <summary>The same on channels-last maps: [N, H, W, C] -> [N, H', W', O].</summary>
    internal static Tensor Conv3x3ChannelsLast(Tensor x, Conv2d conv, long stride)
    {
        long n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
        long oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
        // Channels last, so the gather copies runs of C contiguous floats; and one index_select, whose backward is one
        // index_add. Gathering taps channels-first (unfold, or stacking nine strided slices, each with its own
        // zero-filled backward) ran at memory-copy speeds far below this and took most of the step.
        var padded = nn.functional.pad(x, new long[] { 0, 0, 1, 1, 1, 1 }).view(n, (h + 2) * (w + 2), c);
        var cols = padded.index_select(1, TapIndex(h, w, stride, x.device)).view(n * oh * ow, 9 * c); // [N*H'*W', (ky, kx, c)]
        var weight = conv.weight!;
        long o = weight.shape[0];
        var y = cols.matmul(weight.permute(0, 2, 3, 1).reshape(o, 9 * c).t());              // [N*H'*W', O]
        if (conv.bias is { } bias) y = y + bias;
        return y.view(n, oh, ow, o);
    }

    // Row of the padded (H+2) x (W+2) map read by output (i, j) at tap (ky, kx), in (i, j, ky, kx) order.
    private static Tensor TapIndex(long h, long w, long stride, Device device)
    {
        long oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
        var index = new long[oh * ow * 9];
        int k = 0;
        for (long i = 0; i < oh; i++)
            for (long j = 0; j < ow; j++)
                for (long ky = 0; ky < 3; ky++)
                    for (long kx = 0; kx < 3; kx++) index[k++] = (i * stride + ky) * (w + 2) + j * stride + kx;
        return tensor(index, device: device);
    }

    /// <summary>
    /// Sampling grids [B, N, R, R, 2] (x, y in [-1, 1], align_corners = false) over each mask's bounding box of
    /// pixels with logit > 0 plus half a pixel on each side; a query with an empty mask reads the whole map.
    /// </summary>
    public static Tensor BoxGrids(Tensor maskLogits, long r)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long hm = maskLogits.shape[2], wm = maskLogits.shape[3];
        var dtype = maskLogits.dtype;                                                       // float64 in the reference tests
        var on = maskLogits > 0;                                                            // [B, N, Hm, Wm]
        var rows = on.any(3).to(dtype);                                                   // [B, N, Hm]
        var cols = on.any(2).to(dtype);                                                   // [B, N, Wm]
        var empty = rows.sum(-1) == 0;                                                      // [B, N]
        // argmax returns the first maximum: first occupied row/column from each side.
        var y0 = rows.argmax(-1).to(dtype);
        var y1 = (hm - 1) - rows.flip(-1).argmax(-1).to(dtype);
        var x0 = cols.argmax(-1).to(dtype);
        var x1 = (wm - 1) - cols.flip(-1).argmax(-1).to(dtype);
        // Pixel edges in normalised coordinates (pixel i spans [i, i+1] of [0, H]), widened by half a pixel.
        Tensor Edge(Tensor p, long size) => p / size * 2 - 1;
        var top = where(empty, full_like(y0, -1f), Edge(y0 - 0.5f, hm));
        var bottom = where(empty, full_like(y1, 1f), Edge(y1 + 1.5f, hm));
        var left = where(empty, full_like(x0, -1f), Edge(x0 - 0.5f, wm));
        var right = where(empty, full_like(x1, 1f), Edge(x1 + 1.5f, wm));
        var steps = (arange(r, dtype: dtype, device: maskLogits.device) + 0.5f) / r;       // [R] sample centres in (0, 1)
        var ys = top.unsqueeze(-1) + (bottom - top).unsqueeze(-1) * steps;                   // [B, N, R]
        var xs = left.unsqueeze(-1) + (right - left).unsqueeze(-1) * steps;                  // [B, N, R]
        long b = maskLogits.shape[0], n = maskLogits.shape[1];
        var gx = xs.unsqueeze(2).expand(b, n, r, r);                                        // [B, N, R(y), R(x)]
        var gy = ys.unsqueeze(3).expand(b, n, r, r);
        return scope.MoveToOuter(stack(new[] { gx, gy }, -1).contiguous());
    }
}
