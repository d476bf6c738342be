using System.Collections.Concurrent;
using MagvitSeg.Data.Synthetic;
using static TorchSharp.torch;

namespace MagvitSeg.Data.Video;

/// <summary>
/// Training clips from a fixed list of real videos (files or frame folders). Each video is decoded once, on first use,
/// at a working resolution and cached (up to a memory budget); clip d of the stream is cut by <see cref="ClipCutter"/>
/// with a generator seeded by (seed, d), so the batch of step s is the same whatever the threading or prefetching.
/// A video that is missing, unreadable or shorter than a clip is skipped and recorded in <see cref="Skipped"/>; the
/// draw moves on to the next video in the list (deterministically), never to garbage.
/// </summary>
public abstract class DecodedClipSource : IClipSource, IReportsSkipped
{
    private readonly ConcurrentDictionary<int, Lazy<DecodedVideo?>> _cache = new();
    private readonly ConcurrentDictionary<string, SkippedSample> _skipped = new();
    private long _cachedBytes;

    /// <param name="kind">Short name for messages ("videos", "frames").</param>
    /// <param name="items">The videos, in a fixed order.</param>
    /// <param name="config">Clip size, stride, crop and seed.</param>
    /// <param name="maxCacheBytes">Decoded bytes kept in memory at most; beyond it videos are decoded on every use.</param>
    protected DecodedClipSource(string kind, IReadOnlyList<string> items, ClipSampling config, long maxCacheBytes)
    {
        config.Validate();
        if (items.Count == 0) throw new InvalidDataException($"{kind}: no videos found.");
        Kind = kind; Items = items; Config = config; MaxCacheBytes = maxCacheBytes;
    }

    /// <summary>Short name for messages.</summary>
    public string Kind { get; }
    /// <summary>The videos in draw order.</summary>
    public IReadOnlyList<string> Items { get; }
    /// <summary>How clips are cut.</summary>
    public ClipSampling Config { get; }
    /// <summary>Decoded-frame cache budget in bytes.</summary>
    public long MaxCacheBytes { get; }

    /// <inheritdoc/>
    public IReadOnlyList<SkippedSample> Skipped => _skipped.Values.OrderBy(s => s.Item, StringComparer.Ordinal).ToList();

    /// <summary>Decodes one item at the working resolution; throws InvalidDataException / FileNotFoundException naming it when unreadable.</summary>
    protected abstract DecodedVideo DecodeItem(string item, int shortSide);

    /// <inheritdoc/>
    public Tensor Batch(long step, int batchSize) =>
        BatchTensor.Create(batchSize, new long[] { 3, Config.Frames, Config.Height, Config.Width }, (b, clip) => SampleInto(step * batchSize + b, clip));

    /// <summary>Writes clip <paramref name="draw"/> of the stream into <paramref name="clip"/>; returns the video it came from.</summary>
    /// <exception cref="InvalidDataException">Every video is unusable (lists why).</exception>
    public string SampleInto(long draw, Span<float> clip)
    {
        var rng = new SplitMix(Config.Seed, 0x56494445 /* "VIDE" */, draw);
        int first = (int)rng.Below(Items.Count);
        for (int k = 0; k < Items.Count; k++)
        {
            int i = (first + k) % Items.Count;
            if (Get(i) is not { } video) continue;
            ClipCutter.CutInto(video, Config, ref rng, clip);
            return video.Path;
        }
        throw new InvalidDataException($"{Kind}: none of the {Items.Count} video(s) is usable: " + string.Join("; ", Skipped.Select(s => s.Reason)));
    }

    /// <summary>Decodes every video now (in parallel) so bad ones are reported before training starts; returns the usable count.</summary>
    public int Preload()
    {
        Parallel.For(0, Items.Count, i => Get(i));
        return Enumerable.Range(0, Items.Count).Count(i => Get(i) is not null);
    }

    /// <summary>Video <paramref name="i"/>, decoded or cached; null when it is unusable (recorded in <see cref="Skipped"/>).</summary>
    public DecodedVideo? Get(int i) => _cache.GetOrAdd(i, k => new Lazy<DecodedVideo?>(() => Load(k))).Value;

    private DecodedVideo? Load(int i)
    {
        string item = Items[i];
        try
        {
            var video = DecodeItem(item, Config.EffectiveWorkingShortSide);
            if (video.Frames < Config.Span)
                throw new InvalidDataException($"{item}: has {video.Frames} frame(s), shorter than a clip ({Config.Span} = T {Config.Frames} at stride {Config.Stride}).");
            // Over the budget the video is not kept: the next draw of it decodes again (unusable ones stay remembered).
            if (Interlocked.Add(ref _cachedBytes, video.Rgb.Length) > MaxCacheBytes)
            {
                Interlocked.Add(ref _cachedBytes, -video.Rgb.Length);
                _cache.TryRemove(i, out _);
            }
            return video;
        }
        // Missing ffmpeg (InvalidOperationException) is not caught: it breaks every video, so it stops the run.
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            _skipped.TryAdd(item, new SkippedSample(item, e.Message));
            return null;
        }
    }
}
