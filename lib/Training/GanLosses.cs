using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>GAN terms of MAGVIT's tokenizer training (<c>losses.py</c>): non-saturating losses, R1 and LeCAM.</summary>
public static class GanLosses
{
    /// <summary>Generator: mean of -log sigmoid(D(fake)) = softplus(-logit).</summary>
    public static Tensor GeneratorNonSaturating(Tensor fakeLogits) => nn.functional.softplus(-fakeLogits).mean();

    /// <summary>Discriminator: mean softplus(-D(real)) + mean softplus(D(fake)).</summary>
    public static Tensor DiscriminatorNonSaturating(Tensor realLogits, Tensor fakeLogits) =>
        nn.functional.softplus(-realLogits).mean() + nn.functional.softplus(fakeLogits).mean();

    /// <summary>
    /// R1 penalty: mean over the batch of ||d D(x) / d x||² on real clips. <paramref name="real"/> must require grad and
    /// <paramref name="realLogits"/> be computed from it; the graph is kept so the penalty trains the discriminator.
    /// </summary>
    public static Tensor R1Penalty(Tensor realLogits, Tensor real)
    {
        using var scope = NewDisposeScope();
        var grads = torch.autograd.grad(new[] { realLogits.sum() }, new[] { real }, retain_graph: true, create_graph: true)[0];
        var penalty = grads.square().flatten(1).sum(1).mean();
        return scope.MoveToOuter(penalty);
    }

    /// <summary>
    /// LeCAM regulariser (Tseng et al. 2021): mean(relu(D(real) - ema_fake)²) + mean(relu(ema_real - D(fake))²),
    /// where the EMAs track the discriminator's mean logits.
    /// </summary>
    public static Tensor Lecam(Tensor realLogits, Tensor fakeLogits, Tensor emaReal, Tensor emaFake) =>
        nn.functional.relu(realLogits - emaFake).square().mean() + nn.functional.relu(emaReal - fakeLogits).square().mean();
}
