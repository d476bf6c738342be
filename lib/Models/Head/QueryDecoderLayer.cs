using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>Batch-first multi-head attention (q, k, v projections, scaled dot product, output projection).</summary>
public sealed class Attention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj, k_proj, v_proj, out_proj;
    private readonly long _heads;

    public Attention(long dim, long heads) : base(nameof(Attention))
    {
        _heads = heads;
        q_proj = nn.Linear(dim, dim);
        k_proj = nn.Linear(dim, dim);
        v_proj = nn.Linear(dim, dim);
        out_proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <summary>q [B, Lq, D], k and v [B, Lk, D] -> [B, Lq, D].</summary>
    public override Tensor forward(Tensor q, Tensor k, Tensor v) => Forward(q, k, v, null);

    /// <summary>Attention where <paramref name="blocked"/> [B, Lq, Lk] (true = may not attend) masks keys per query.</summary>
    public Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        long b = q.shape[0], lq = q.shape[1], lk = k.shape[1], d = q.shape[2], hd = d / _heads;
        var qh = q_proj.forward(q).view(b, lq, _heads, hd).transpose(1, 2);               // [B, H, Lq, hd]
        var kh = k_proj.forward(k).view(b, lk, _heads, hd).transpose(1, 2);               // [B, H, Lk, hd]
        var vh = v_proj.forward(v).view(b, lk, _heads, hd).transpose(1, 2);               // [B, H, Lk, hd]
        var logits = qh.matmul(kh.transpose(2, 3)) / Math.Sqrt(hd);                        // [B, H, Lq, Lk]
        if (blocked is not null) logits = logits.masked_fill(blocked.unsqueeze(1), float.NegativeInfinity);
        var attn = logits.softmax(-1);
        var o = attn.matmul(vh).transpose(1, 2).reshape(b, lq, d);                         // [B, Lq, D]
        return scope.MoveToOuter(out_proj.forward(o));
    }
}

/// <summary>
/// One Mask2Former-style decoder layer (post-norm): queries cross-attend to the image tokens, then self-attend, then an
/// MLP; query positions are added to queries and keys, image positions to image keys.
/// </summary>
public sealed class QueryDecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly Attention cross_attn, self_attn;
    private readonly LayerNorm norm1, norm2, norm3;
    private readonly Linear ffn1, ffn2;
    private readonly Dropout drop;

    public QueryDecoderLayer(long dim, long heads, long ffnDim, double dropout) : base(nameof(QueryDecoderLayer))
    {
        cross_attn = new Attention(dim, heads);
        self_attn = new Attention(dim, heads);
        norm1 = nn.LayerNorm(dim);
        norm2 = nn.LayerNorm(dim);
        norm3 = nn.LayerNorm(dim);
        ffn1 = nn.Linear(dim, ffnDim);
        ffn2 = nn.Linear(ffnDim, dim);
        drop = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>queries [B, N, D], query positions [B or 1, N, D], memory [B, S, D], memory positions [B or 1, S, D] -> [B, N, D].</summary>
    public override Tensor forward(Tensor queries, Tensor queryPos, Tensor memory, Tensor memoryPos) =>
        Forward(queries, queryPos, memory, memoryPos, null);

    /// <summary>
    /// One layer with Mask2Former's masked cross-attention: each query attends only to the memory positions inside its
    /// previous mask prediction (<paramref name="blocked"/> [B, N, h*w], true outside; null = attend everywhere).
    /// </summary>
    public Tensor Forward(Tensor queries, Tensor queryPos, Tensor memory, Tensor memoryPos, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        var x = norm1.forward(queries + drop.forward(cross_attn.Forward(queries + queryPos, memory + memoryPos, memory, blocked)));
        var qp = x + queryPos;
        x = norm2.forward(x + drop.forward(self_attn.forward(qp, qp, x)));
        x = norm3.forward(x + drop.forward(ffn2.forward(drop.forward(nn.functional.relu(ffn1.forward(x))))));
        return scope.MoveToOuter(x);
    }
}

/// <summary>DETR's normalised 2D sine positional encoding.</summary>
public static class SinePositions
{
    /// <summary>Positions for an h x w grid: [h*w, dim] (first half encodes y, second half x).</summary>
    public static Tensor Grid(long h, long w, long dim, Device? device = null, double temperature = 10000)
    {
        using var scope = NewDisposeScope();
        long half = dim / 2;
        double scale = 2 * Math.PI, eps = 1e-6;
        var y = (arange(1, h + 1, dtype: float32, device: device) / (h + eps) * scale).view(h, 1).expand(h, w);  // [h, w]
        var x = (arange(1, w + 1, dtype: float32, device: device) / (w + eps) * scale).view(1, w).expand(h, w);  // [h, w]
        var idx = arange(half, dtype: float32, device: device);
        var dimT = pow(temperature, 2 * floor(idx / 2) / half);                                                  // [half]
        var py = Interleave(y.unsqueeze(-1) / dimT);                                                             // [h, w, half]
        var px = Interleave(x.unsqueeze(-1) / dimT);
        return scope.MoveToOuter(cat(new[] { py, px }, -1).reshape(h * w, dim));
    }

    // sin on even channels, cos on odd ones, kept in channel order.
    private static Tensor Interleave(Tensor p)
    {
        var even = p[TensorIndex.Ellipsis, TensorIndex.Slice(0, null, 2)].sin();
        var odd = p[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)].cos();
        return stack(new[] { even, odd }, -1).flatten(-2);
    }
}
