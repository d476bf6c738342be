using static TorchSharp.torch;

namespace MagvitSeg.Models.Head;

/// <summary>
/// Ground truth for one image at the head's input image resolution.
/// </summary>
/// <param name="Masks">[M, H, W] bool or float (M may be 0).</param>
/// <param name="Classes">[M] int64 in 0..K-1.</param>
/// <param name="Ignore">Optional [H, W] bool: pixels whose points carry no mask loss (e.g. crowd regions, padding).</param>
public sealed record InstanceTarget(Tensor Masks, Tensor Classes, Tensor? Ignore = null) : IDisposable
{
    /// <summary>Instances M.</summary>
    public long Count => Classes.shape[0];

    /// <summary>Checks shapes and dtypes (host-only: no device synchronisation).</summary>
    public void ValidateShapes(string where)
    {
        if (Masks.dim() != 3) throw new ArgumentException($"{where}: target masks must be [M, H, W], got [{string.Join(", ", Masks.shape)}].");
        if (Classes.dim() != 1 || Classes.shape[0] != Masks.shape[0])
            throw new ArgumentException($"{where}: {Masks.shape[0]} masks but class ids of shape [{string.Join(", ", Classes.shape)}]; give one class id per mask.");
        if (Classes.dtype != ScalarType.Int64) throw new ArgumentException($"{where}: class ids must be int64, got {Classes.dtype}.");
        if (Ignore is not null && (Ignore.dim() != 2 || Ignore.shape[0] != Masks.shape[1] || Ignore.shape[1] != Masks.shape[2]))
            throw new ArgumentException($"{where}: the ignore mask must be [{Masks.shape[1]}, {Masks.shape[2]}], got [{string.Join(", ", Ignore.shape)}].");
    }

    /// <summary>Throws unless every class id (lowest <paramref name="lo"/>, highest <paramref name="hi"/>) is in 0..K-1.</summary>
    public static void ValidateClassRange(long lo, long hi, int numClasses, string where)
    {
        if (lo < 0 || hi >= numClasses) throw new ArgumentException($"{where}: class ids span {lo}..{hi}, outside 0..{numClasses - 1}.");
    }

    /// <summary>The same target on another device.</summary>
    public InstanceTarget To(Device device) => new(Masks.to(device), Classes.to(device), Ignore?.to(device));

    public void Dispose() { Masks.Dispose(); Classes.Dispose(); Ignore?.Dispose(); }
}
