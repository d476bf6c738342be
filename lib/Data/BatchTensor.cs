using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>Fills a fresh float32 batch tensor clip by clip, on all cores, writing straight into the tensor's memory.</summary>
internal static class BatchTensor
{
    /// <summary>Writes clip <paramref name="index"/> of the batch into <paramref name="clip"/> (fully overwritten).</summary>
    public delegate void FillClip(int index, Span<float> clip);

    /// <summary>A [batch, ...clipShape] tensor whose clip b is written by <paramref name="fill"/>(b, ...); no managed copy of the batch is made.</summary>
    public static Tensor Create(int batch, long[] clipShape, FillClip fill)
    {
        int per = checked((int)clipShape.Aggregate(1L, (a, b) => a * b));
        var result = empty(new long[] { batch }.Concat(clipShape).ToArray(), dtype: ScalarType.Float32);
        try
        {
            nint data;
            // storage<float>() wraps the tensor in a second handle that its Dispose does not release: without the scope
            // every batch's memory lived until a finalizer ran, so the heap grew by a batch per call and each batch
            // faulted in fresh pages (measured: 12.6 MB of new pages per 16x16x64x64 batch, most of the batch's cost).
            using (NewDisposeScope())
            using (var storage = result.storage<float>())
                data = storage.data_ptr();   // fresh tensor: contiguous, offset 0
            Parallel.For(0, batch, b =>
            {
                unsafe { fill(b, new Span<float>((float*)data + (long)b * per, per)); }
            });
            return result;
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // A bad-input error from a worker surfaces as itself (it names the file), not wrapped.
            result.Dispose();
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
