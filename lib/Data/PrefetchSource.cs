using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace MagvitSeg.Data;

/// <summary>
/// Prepares the next batches of a source on a background task, at most <see cref="Depth"/> ahead, so a training loop
/// takes a ready batch instead of waiting on decoding. Results are exactly the inner source's: the batch for step s is
/// always <c>source.Batch(s, b)</c>. Asking for any other step than the next one (a resume, an evaluation pass) drops the
/// read-ahead (disposing those tensors) and restarts from that step. A failure in the worker is rethrown by the call
/// that would have received that batch, as the original exception (it names the bad file).
/// Returned tensors were created on the worker thread, outside any DisposeScope of the caller: dispose them.
/// </summary>
public sealed class PrefetchSource : IClipSource, IReportsSkipped, IDisposable
{
    private readonly IClipSource _inner;
    private readonly object _gate = new();
    private BlockingCollection<(long Step, Tensor? Batch, ExceptionDispatchInfo? Error)>? _queue;
    private CancellationTokenSource? _cts;
    private Task? _worker;
    private long _next = -1;
    private int _batchSize;
    private long _waitTicks;
    private bool _disposed;

    /// <param name="inner">The source to read ahead.</param>
    /// <param name="depth">Batches kept ready at most (the memory bound). The default value is 2.</param>
    public PrefetchSource(IClipSource inner, int depth = 2)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "depth must be at least 1");
        _inner = inner; Depth = depth;
    }

    /// <summary>Batches prepared ahead at most.</summary>
    public int Depth { get; }

    /// <summary>Total seconds <see cref="Batch"/> waited for the worker (near zero when prefetching keeps up).</summary>
    public double WaitSeconds => Interlocked.Read(ref _waitTicks) / (double)Stopwatch.Frequency;

    /// <summary>Times the read-ahead was dropped because a step out of sequence was asked for.</summary>
    public int Restarts { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<SkippedSample> Skipped => (_inner as IReportsSkipped)?.Skipped ?? Array.Empty<SkippedSample>();

    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_queue is null || step != _next || batchSize != _batchSize)
            {
                if (_queue is not null) Restarts++;
                Stop();
                Start(step, batchSize);
            }
            long t0 = Stopwatch.GetTimestamp();
            var (got, batch, error) = _queue!.Take();
            Interlocked.Add(ref _waitTicks, Stopwatch.GetTimestamp() - t0);
            Debug.Assert(got == step);
            _next = step + 1;
            if (error is not null)
            {
                Stop();             // the next call starts afresh (and meets the same error if the input is still bad)
                error.Throw();
            }
            return batch!;
        }
    }

    private void Start(long step, int batchSize)
    {
        var queue = new BlockingCollection<(long, Tensor?, ExceptionDispatchInfo?)>(Depth);
        var cts = new CancellationTokenSource();
        _queue = queue; _cts = cts; _next = step; _batchSize = batchSize;
        _worker = Task.Factory.StartNew(() =>
        {
            for (long s = step; !cts.IsCancellationRequested; s++)
            {
                Tensor? t = null;
                try
                {
                    t = _inner.Batch(s, batchSize);
                    queue.Add((s, t, null), cts.Token);
                }
                catch (OperationCanceledException)
                {
                    t?.Dispose();   // made but never handed out
                    return;
                }
                catch (Exception e)
                {
                    t?.Dispose();
                    try { queue.Add((s, null, ExceptionDispatchInfo.Capture(e)), cts.Token); } catch (OperationCanceledException) { }
                    return;
                }
            }
        }, cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Stop()
    {
        if (_queue is null) return;
        _cts!.Cancel();
        try { _worker!.Wait(); } catch (AggregateException) { }
        // Batches read ahead but never handed out are freed here, not left to the finalizer.
        while (_queue.TryTake(out var item)) item.Batch?.Dispose();
        _queue.Dispose(); _cts.Dispose();
        _queue = null; _cts = null; _worker = null;
    }

    /// <summary>Stops the worker and disposes every batch it prepared that was not handed out.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            Stop();
            _disposed = true;
            (_inner as IDisposable)?.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"prefetch({Depth}, {_inner})";
}
