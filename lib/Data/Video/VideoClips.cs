using System.Diagnostics;
using System.ComponentModel;
using static TorchSharp.torch;

namespace MagvitSeg.Data.Video;

/// <summary>Decodes video files through the ffmpeg command-line tool.</summary>
public static class Ffmpeg
{
    /// <summary>Decodes every frame of <paramref name="path"/>, centre-cropped to a square and scaled to size x size, as RGB24.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is not installed (says what to install).</exception>
    /// <exception cref="InvalidDataException">The file is missing, empty, corrupt or has no frames (names it).</exception>
    public static (byte[] Rgb, int Frames) DecodeSquare(string path, int size)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Video '{path}' does not exist.", path);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-i", path, "-vf", $"crop='min(iw,ih)':'min(iw,ih)',scale={size}:{size}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
            psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (Win32Exception)
        {
            throw new InvalidOperationException("ffmpeg was not found on PATH; it decodes the videos. Install it: Debian/Ubuntu " +
                                                "'sudo apt-get install -y ffmpeg', Windows 'winget install ffmpeg', macOS 'brew install ffmpeg'.");
        }
        using (p)
        {
            using var ms = new MemoryStream();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            int frameBytes = size * size * 3;
            if (p.ExitCode != 0 || ms.Length < frameBytes)
                throw new InvalidDataException($"Video '{path}' could not be decoded ({(p.ExitCode != 0 ? "ffmpeg: " + err.Result.Trim().Split('\n')[0] : "no frames")}). Replace or remove the file.");
            return (ms.ToArray(), (int)(ms.Length / frameBytes));
        }
    }
}

/// <summary>
/// Training clips from real videos: each video is decoded once at the working resolution and kept in memory; a clip is
/// T frames at a frame stride from a random start (seeded by the step), with a random horizontal flip.
/// Videos shorter than the clip span are skipped and reported, never padded with garbage.
/// </summary>
public sealed class VideoClipSource : Training.IClipSource
{
    private readonly List<(string Path, byte[] Rgb, int Frames)> _videos = new();
    private readonly int _t, _size, _stride;
    private readonly long _seed;

    /// <summary>Videos that could not be used, with the reason.</summary>
    public List<(string Path, string Reason)> Skipped { get; } = new();

    /// <summary>Decodes every video file in <paramref name="files"/>.</summary>
    public VideoClipSource(IEnumerable<string> files, int frames, int size, int stride = 1, long seed = 0)
    {
        _t = frames; _size = size; _stride = stride; _seed = seed;
        var list = files.ToList();
        var decoded = new (byte[], int)?[list.Count];
        var errors = new string?[list.Count];
        Parallel.For(0, list.Count, i =>
        {
            try { decoded[i] = Ffmpeg.DecodeSquare(list[i], size); }
            catch (InvalidDataException e) { errors[i] = e.Message; }
            catch (FileNotFoundException e) { errors[i] = e.Message; }
        });
        for (int i = 0; i < list.Count; i++)
        {
            if (errors[i] is { } e) { Skipped.Add((list[i], e)); continue; }
            var (rgb, n) = decoded[i]!.Value;
            if (n < (frames - 1) * stride + 1) { Skipped.Add((list[i], $"only {n} frames, a clip needs {(frames - 1) * stride + 1}")); continue; }
            _videos.Add((list[i], rgb, n));
        }
        if (_videos.Count == 0)
            throw new InvalidDataException("No usable video: " + string.Join("; ", Skipped.Select(s => $"{s.Path}: {s.Reason}")));
    }

    /// <summary>The videos in use.</summary>
    public IReadOnlyList<string> Videos => _videos.Select(v => v.Path).ToList();

    /// <inheritdoc/>
    public Tensor Batch(long step, int batch)
    {
        var rng = new Random(HashCode.Combine(_seed, step));
        int S = _size, HW = S * S, per = 3 * _t * HW;
        var data = new float[batch * per];
        for (int b = 0; b < batch; b++)
        {
            var (_, rgb, n) = _videos[rng.Next(_videos.Count)];
            int start = rng.Next(n - (_t - 1) * _stride);
            bool flip = rng.Next(2) == 1;
            for (int t = 0; t < _t; t++)
            {
                int f = start + t * _stride;
                for (int y = 0; y < S; y++)
                    for (int x = 0; x < S; x++)
                    {
                        int src = ((f * S + y) * S + (flip ? S - 1 - x : x)) * 3;
                        for (int c = 0; c < 3; c++) data[b * per + (c * _t + t) * HW + y * S + x] = rgb[src + c] / 127.5f - 1f;
                    }
            }
        }
        return tensor(data, new long[] { batch, 3, _t, S, S });
    }

    /// <inheritdoc/>
    public override string ToString() => $"videos({_videos.Count} files, frames={_t}, size={_size}, stride={_stride})";
}
