using static TorchSharp.torch;

namespace MagvitSeg.Viz;

/// <summary>Image grids as PNG: rows of frames, e.g. input clip frames above their reconstruction.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Saves a grid: each row is a tensor [3, T, H, W] (or [3, H, W]) in [-1, 1], frames laid out left to right with a
    /// 2-pixel gap.
    /// </summary>
    public static void SaveRows(string path, IReadOnlyList<Tensor> rows)
    {
        var rs = rows.Select(r => (r.dim() == 3 ? r.unsqueeze(1) : r).detach().cpu().to_type(ScalarType.Float32)).ToList();
        int T = (int)rs.Max(r => r.shape[1]), H = (int)rs[0].shape[2], W = (int)rs[0].shape[3], gap = 2;
        int cw = T * (W + gap) - gap, ch = rs.Count * (H + gap) - gap;
        var rgba = new byte[cw * ch * 4];
        for (int i = 0; i < rgba.Length; i += 4) { rgba[i] = rgba[i + 1] = rgba[i + 2] = 255; rgba[i + 3] = 255; }
        for (int r = 0; r < rs.Count; r++)
        {
            var px = rs[r].contiguous().data<float>().ToArray();
            int t = (int)rs[r].shape[1];
            for (int f = 0; f < t; f++)
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                    {
                        int o = (((r * (H + gap)) + y) * cw + f * (W + gap) + x) * 4;
                        for (int c = 0; c < 3; c++) rgba[o + c] = ImageIo.ToByte(px[((c * t) + f) * H * W + y * W + x]);
                    }
            rs[r].Dispose();
        }
        ImageIo.SaveRgbaPng(path, rgba, cw, ch);
    }
}
