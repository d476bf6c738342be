using static TorchSharp.torch;

namespace MagvitSeg.Tests.Masking;

internal static class TensorCompare
{
    /// <summary>Same shape and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
