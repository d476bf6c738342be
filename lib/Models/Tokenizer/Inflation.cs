using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>
/// MAGVIT's central 2D->3D inflation: a video tokenizer starts from an image tokenizer (the same architecture with
/// temporal kernel 1, see <see cref="Config.TokenizerProfile.ImageTwin"/>) by placing each 2D kernel at the temporal
/// centre of the 3D kernel and zeros elsewhere. Every other tensor (norms, biases, 1x1x1 convs, codebook) is copied.
/// An inflated model run on a clip of identical frames reproduces the image model on that frame.
/// </summary>
public static class Inflation
{
    /// <summary>Copies <paramref name="image"/>'s weights into <paramref name="video"/>, inflating [O, I, 1, k, k] kernels.</summary>
    /// <exception cref="ArgumentException">The two models' state dicts do not line up; the message names the tensor.</exception>
    public static void InflateCentral(nn.Module image, nn.Module video)
    {
        var source = image.state_dict();
        var target = video.state_dict();
        if (source.Count != target.Count || !source.Keys.All(target.ContainsKey))
            throw new ArgumentException("Inflation: the image and video models have different tensors; build the image model with TokenizerProfile.ImageTwin() of the same profile.");
        using var _ = no_grad();
        foreach (var (name, src) in source)
        {
            var dst = target[name];
            if (src.shape.SequenceEqual(dst.shape))
            {
                dst.copy_(src);
                continue;
            }
            bool kernel = src.dim() == 5 && dst.dim() == 5 && src.shape[2] == 1 && dst.shape[2] % 2 == 1
                && src.shape[0] == dst.shape[0] && src.shape[1] == dst.shape[1] && src.shape[3] == dst.shape[3] && src.shape[4] == dst.shape[4];
            if (!kernel)
                throw new ArgumentException($"Inflation: tensor '{name}' is [{string.Join(", ", src.shape)}] in the image model and [{string.Join(", ", dst.shape)}] in the video model; only [O, I, 1, k, k] -> [O, I, kt, k, k] kernels can be inflated.");
            dst.zero_();
            dst.narrow(2, dst.shape[2] / 2, 1).copy_(src);
        }
    }
}
