using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// Optional perceptual loss from a user-supplied TorchScript module (e.g. a VGG/ResNet feature extractor exported with
/// <c>torch.jit.trace(net, example).save(path)</c>) mapping frames [N, 3, H, W] in [-1, 1] to a feature tensor.
/// The loss is the mean squared feature difference between real and reconstructed frames. Off by default: no
/// pretrained network can be downloaded here, so MagvitSeg ships none.
/// </summary>
public sealed class PerceptualLoss : IDisposable
{
    private readonly jit.ScriptModule<Tensor, Tensor> _net;

    /// <summary>Loads the TorchScript module at <paramref name="path"/> onto <paramref name="device"/>, frozen.</summary>
    /// <exception cref="FileNotFoundException">No file at the path.</exception>
    public PerceptualLoss(string path, Device device)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Perceptual model '{path}' not found. Pass a TorchScript file (torch.jit.save) or leave PerceptualModel unset to train without it.", path);
        _net = jit.load<Tensor, Tensor>(path, device.type, device.index);
        _net.eval();
        foreach (var p in _net.parameters()) p.requires_grad = false;
    }

    /// <summary>Mean squared feature difference over all frames of clips [B, 3, T, H, W].</summary>
    public Tensor Forward(Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        var fr = ToFrames(real);
        var ff = ToFrames(fake);
        Tensor realFeatures;
        using (no_grad()) realFeatures = _net.forward(fr);
        var loss = (_net.forward(ff) - realFeatures).square().mean();
        return scope.MoveToOuter(loss);
    }

    private static Tensor ToFrames(Tensor clip) =>
        clip.permute(0, 2, 1, 3, 4).reshape(-1, clip.shape[1], clip.shape[3], clip.shape[4]); // [B*T, 3, H, W]

    /// <inheritdoc/>
    public void Dispose() => _net.Dispose();
}
