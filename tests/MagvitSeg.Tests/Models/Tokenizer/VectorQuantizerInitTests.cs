using MagvitSeg.Config;
using MagvitSeg.Data.Synthetic;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Models.Tokenizer;

[Collection(MagvitSeg.Tests.Runtime.SerialCollection.Name)] // seeds the global torch RNG
public class VectorQuantizerInitTests
{
    // Four latents at 1x2x2 positions, D = 2: (1,10) (2,20) (3,30) (4,40), written channel-first as the encoder emits them.
    private static Tensor FourLatents() =>
        tensor(new float[] { 1, 2, 3, 4, 10, 20, 30, 40 }).reshape(1, 2, 1, 2, 2);

    private static HashSet<(float, float)> Rows(Tensor codebook)
    {
        var v = codebook.detach().cpu().data<float>().ToArray();
        return Enumerable.Range(0, v.Length / 2).Select(i => (v[2 * i], v[2 * i + 1])).ToHashSet();
    }

    [Fact]
    public void WithAsManyLatentsAsCodesEveryLatentBecomesOneCode()
    {
        manual_seed(0);
        using var vq = new VectorQuantizer(new VqvaeConfig(EmbeddingDim: 2, CodebookSize: 4));
        using var z = FourLatents();
        vq.InitFromLatents(z);
        Assert.Equal(new HashSet<(float, float)> { (1, 10), (2, 20), (3, 30), (4, 40) }, Rows(vq.Codebook));
        // Quantising the same latents is then exact: zero codebook loss, the codes are the latents.
        var q = vq.Forward(z);
        Assert.Equal(0f, q.CodebookLoss.item<float>());
        Assert.True(q.Quantized.eq(z).all().item<bool>());
    }

    [Fact]
    public void WithFewerLatentsThanCodesCodesRepeatLatentsAndUsageIsCleared()
    {
        manual_seed(0);
        using var vq = new VectorQuantizer(new VqvaeConfig(EmbeddingDim: 2, CodebookSize: 6));
        vq.Usage.fill_(5);
        using var z = FourLatents();
        vq.InitFromLatents(z);
        Assert.Subset(new HashSet<(float, float)> { (1, 10), (2, 20), (3, 30), (4, 40) }, Rows(vq.Codebook));
        Assert.Equal(0L, vq.Usage.sum().item<long>());
    }

    [Fact]
    public void TrainerInitialisesCodesFromTheFirstBatchOnlyWhenAsked()
    {
        MagvitSeg.Runtime.TorchRuntime.SetThreads(1);
        foreach (bool fromData in new[] { true, false })
        {
            var p = TokenizerProfile.Tiny with
            {
                Vqvae = TokenizerProfile.Tiny.Vqvae with { Frames = 4, Height = 16, Width = 16 },
                Training = TokenizerProfile.Tiny.Training with
                {
                    BatchSize = 1, DiscriminatorStartStep = -1, CodebookInitFromData = fromData, Seed = 2,
                },
            };
            using var trainer = new TokenizerTrainer(p, CPU);
            using var batch = new ProceduralClips(4, 16, 16, seed: 1).Batch(0, 1);
            Tensor latents;
            using (no_grad()) latents = trainer.Model.Encode(batch).Latent.permute(0, 2, 3, 4, 1).reshape(-1, 16);
            using var _ = trainer.TrainStep(batch);
            // Distance from each code to its nearest pre-step latent: Adam moves a code by about lr (1e-3 in its
            // first, warm-up-scaled step) per coordinate, while fan-in-initialised codes sit far from the latents.
            using var nearest = VectorQuantizer.SquaredDistances(trainer.Model.Quantizer.Codebook.detach(), latents).min(1).values;
            float worst = nearest.max().item<float>();
            if (fromData) Assert.True(worst < 1e-3, $"a code is {worst} (squared) from every latent of the first batch");
            else Assert.True(worst > 1e-2, $"uniform init unexpectedly matched the latents ({worst})");
            latents.Dispose();
        }
    }
}
