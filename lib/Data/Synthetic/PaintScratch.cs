namespace MagvitSeg.Data.Synthetic;

/// <summary>
/// A rendering thread's row and column buffers for frames of one size, fetched once per clip and handed to the
/// painters: a thread-static looked up in every painter call showed as a few percent of the batch path in perf
/// (__tls_get_addr and the runtime's thread-static helper).
/// </summary>
internal sealed class PaintScratch
{
    public readonly double[] A, B, C, D;
    public readonly int[] Even, Odd;
    /// <summary>The batch path's instance map: the batch keeps only pixels.</summary>
    public byte[] Instances = Array.Empty<byte>();

    private PaintScratch(int size) =>
        (A, B, C, D, Even, Odd) = (new double[size], new double[size], new double[size], new double[size], new int[size], new int[size]);

    [ThreadStatic] private static PaintScratch? _current;

    public static PaintScratch For(int size) => _current is { } s && s.A.Length == size ? s : _current = new PaintScratch(size);
}
