using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MagvitSeg.Models;

/// <summary>What the quantiser returns: the straight-through quantised latents, the code indices and the VQ losses.</summary>
public sealed record VqOutput(Tensor Quantized, Tensor Indices, Tensor CodebookLoss, Tensor CommitmentLoss, Tensor EntropyLoss) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose() { Quantized.Dispose(); Indices.Dispose(); CodebookLoss.Dispose(); CommitmentLoss.Dispose(); EntropyLoss.Dispose(); }
}

/// <summary>
/// MAGVIT's vector quantiser (videogvt/models/vqvae.py): nearest code by squared L2 distance, straight-through
/// gradients, codebook loss ||sg(z) - e||^2 and commitment loss ||z - sg(e)||^2, and the optional entropy loss
/// (per-sample confidence up, batch code usage up). Keeps per-code usage counts for perplexity and dead-code re-seeding.
/// </summary>
public sealed class VectorQuantizer : nn.Module<Tensor, VqOutput>
{
    private readonly Parameter codebook;         // [K, D]
    private readonly double _temperature;
    private readonly bool _entropy;

    /// <summary>Codebook size K.</summary>
    public int Size { get; }
    /// <summary>Code dimension D.</summary>
    public int Dim { get; }

    /// <summary>A codebook of <paramref name="size"/> codes of dimension <paramref name="dim"/>.</summary>
    public VectorQuantizer(int size, int dim, bool entropyLoss = true, double temperature = 0.01) : base(nameof(VectorQuantizer))
    {
        Size = size; Dim = dim; _entropy = entropyLoss; _temperature = temperature;
        // Variance-scaling uniform init as in the official code (fan-in = D).
        codebook = new Parameter(empty(size, dim).uniform_(-Math.Sqrt(3.0 / dim), Math.Sqrt(3.0 / dim)));
        RegisterComponents();
    }

    /// <summary>The codebook [K, D].</summary>
    public Tensor Codebook => codebook;

    /// <summary>Quantises latents [B, D, T, H, W].</summary>
    public override VqOutput forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        long B = z.shape[0], T = z.shape[2], H = z.shape[3], W = z.shape[4];
        var flat = z.permute(0, 2, 3, 4, 1).reshape(-1, Dim);                       // [N, D]
        var dist = flat.square().sum(1, keepdim: true) - 2 * flat.matmul(codebook.t()) + codebook.square().sum(1).unsqueeze(0); // [N, K]
        var idx = dist.argmin(1);                                                    // [N]
        var q = codebook.index_select(0, idx);                                       // [N, D]
        var codebookLoss = (q - flat.detach()).square().mean();
        var commitLoss = (flat - q.detach()).square().mean();
        Tensor entropyLoss;
        if (_entropy && is_grad_enabled())
        {
            // Per-sample entropy low (confident assignment) and batch-average entropy high (all codes used).
            var probs = nn.functional.softmax(-dist / _temperature, 1);
            var logp = nn.functional.log_softmax(-dist / _temperature, 1);
            var sampleEntropy = -(probs * logp).sum(1).mean();
            var avg = probs.mean(new long[] { 0 });
            var batchEntropy = -(avg * (avg + 1e-10).log()).sum();
            entropyLoss = sampleEntropy - batchEntropy;
        }
        else entropyLoss = zeros(1, device: z.device).squeeze();
        var st = flat + (q - flat).detach();                                         // straight-through
        var quantized = st.reshape(B, T, H, W, Dim).permute(0, 4, 1, 2, 3).contiguous(); // [B, D, T, H, W]
        var indices = idx.reshape(B, T, H, W);
        var res = new VqOutput(quantized, indices, codebookLoss, commitLoss, entropyLoss);
        scope.MoveToOuter(res.Quantized, res.Indices, res.CodebookLoss, res.CommitmentLoss, res.EntropyLoss);
        return res;
    }

    /// <summary>Looks codes up: indices [B, T, H, W] -> latents [B, D, T, H, W].</summary>
    public Tensor Lookup(Tensor indices)
    {
        using var scope = NewDisposeScope();
        var q = codebook.index_select(0, indices.flatten()).reshape(indices.shape[0], indices.shape[1], indices.shape[2], indices.shape[3], Dim);
        return scope.MoveToOuter(q.permute(0, 4, 1, 2, 3).contiguous());
    }

    /// <summary>Replaces the given codes with randomly chosen latent vectors from a batch [N, D] (dead-code re-seeding).</summary>
    public void Reseed(long[] codes, Tensor latents, Generator? gen = null)
    {
        if (codes.Length == 0) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var pick = randint(0, latents.shape[0], new long[] { codes.Length }, generator: gen, device: latents.device);
        var noise = randn(codes.Length, Dim, generator: gen, device: latents.device) * 1e-3;
        codebook.index_copy_(0, tensor(codes, device: codebook.device), latents.index_select(0, pick).detach() + noise);
    }
}
