using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MagvitSeg.Data.Video;

/// <summary>Stream facts from ffprobe. Packets are stored frames; a damaged one may decode to nothing, so decoded frames can be fewer.</summary>
public sealed record VideoProbe(string Path, int Width, int Height, int Packets);

/// <summary>
/// Video through the ffmpeg command-line tools (Debian package ffmpeg; no native bindings to build): ffprobe for size
/// and frame count, <c>ffmpeg -f rawvideo -pix_fmt rgb24 -</c> for pixels, libx264 for exporting frames as mp4.
/// </summary>
public static class Ffmpeg
{
    /// <summary>What to install when the tools are missing.</summary>
    public const string InstallHint = "Install it: Debian/Ubuntu 'sudo apt-get install -y ffmpeg', Windows 'winget install ffmpeg', macOS 'brew install ffmpeg'.";

    /// <summary>Folder holding ffmpeg and ffprobe; null (the default) finds them on PATH. $MAGVITSEG_FFMPEG_DIR sets it.</summary>
    public static string? ToolDirectory { get; set; } = Environment.GetEnvironmentVariable("MAGVITSEG_FFMPEG_DIR");

    /// <summary>Whether ffmpeg and ffprobe can be started.</summary>
    public static bool IsAvailable()
    {
        try
        {
            Run("ffmpeg", new[] { "-version" }, "ffmpeg -version");
            Run("ffprobe", new[] { "-version" }, "ffprobe -version");
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException) { return false; }
    }

    /// <summary>Width, height and packet count of the first video stream. With <paramref name="countFrames"/> the packets are counted (reads the file, no decoding); else -1.</summary>
    /// <exception cref="InvalidOperationException">ffprobe is not installed (says what to install).</exception>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is empty, corrupt or holds no video stream (names it).</exception>
    public static VideoProbe Probe(string path, bool countFrames = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Video '{path}' does not exist.", path);
        var args = new List<string> { "-v", "error", "-select_streams", "v:0" };
        if (countFrames) args.Add("-count_packets");
        args.AddRange(new[] { "-show_entries", "stream=width,height,nb_read_packets", "-of", "json", path });
        var (stdout, _) = Run("ffprobe", args, path);
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            var streams = doc.RootElement.GetProperty("streams");
            if (streams.GetArrayLength() == 0) throw new InvalidDataException($"Video '{path}' has no video stream. Replace or remove the file.");
            var s = streams[0];
            int frames = s.TryGetProperty("nb_read_packets", out var n) ? int.Parse(n.GetString()!, CultureInfo.InvariantCulture) : -1;
            return new VideoProbe(path, s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32(), frames);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"Video '{path}': unexpected ffprobe output ({e.Message}); the file may be corrupt.", e);
        }
    }

    /// <summary>Decodes every frame scaled to <paramref name="width"/> x <paramref name="height"/> as RGB24 [T, H, W, 3].</summary>
    /// <exception cref="InvalidDataException">ffmpeg failed, or the file holds no decodable frame (names it).</exception>
    public static DecodedVideo Decode(string path, int height, int width)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Video '{path}' does not exist.", path);
        // passthrough: every decoded frame exactly once (no duplicates or drops to a constant rate).
        var (rgb, _) = Run("ffmpeg", new[] { "-v", "error", "-nostdin", "-i", path, "-vsync", "passthrough", "-vf", $"scale={width}:{height}:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }, path);
        int frameBytes = width * height * 3, frames = rgb.Length / frameBytes;
        if (frames == 0) throw new InvalidDataException($"Video '{path}' could not be decoded (no frames: empty or corrupt). Replace or remove the file.");
        // A truncated file can end mid-frame: keep whole frames only.
        return new DecodedVideo(path, frames, height, width, rgb.Length == frames * frameBytes ? rgb : rgb.AsSpan(0, frames * frameBytes).ToArray());
    }

    /// <summary>Probes, then decodes at the working size whose shorter side is <paramref name="shortSide"/>.</summary>
    public static DecodedVideo DecodeAtShortSide(string path, int shortSide)
    {
        var p = Probe(path, countFrames: false);
        var (h, w) = WorkingSize.Fit(p.Height, p.Width, shortSide);
        return Decode(path, h, w);
    }

    /// <summary>Encodes numbered PNG frames (e.g. <c>dir/%03d.png</c>) as an H.264 mp4 (yuv420p, lossless-looking crf 18).</summary>
    public static void EncodeFrames(string framePattern, string outputMp4, int fps)
    {
        string tmp = outputMp4 + ".tmp.mp4";
        try
        {
            Run("ffmpeg", new[] { "-v", "error", "-nostdin", "-y", "-framerate", fps.ToString(CultureInfo.InvariantCulture), "-i", framePattern,
                                  "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", tmp }, outputMp4);
            File.Move(tmp, outputMp4, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static (byte[] Stdout, string Stderr) Run(string exe, IEnumerable<string> args, string what)
    {
        var psi = new ProcessStartInfo(ToolDirectory is { } dir ? Path.Combine(dir, exe) : exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        // A missing tool is not a bad sample: it breaks every video, so it is an InvalidOperationException that no source skips.
        try { p = Process.Start(psi)!; }
        catch (Win32Exception) { throw new InvalidOperationException($"{exe} was not found on PATH; it reads the videos. {InstallHint}"); }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();     // drained on its own so a chatty ffmpeg never blocks on a full pipe
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            string stderr = err.Result.Trim();
            if (p.ExitCode != 0)
                throw new InvalidDataException($"Video '{what}' could not be read ({exe}: {stderr.Split('\n')[0]}). Replace or remove the file.");
            return (ms.ToArray(), stderr);
        }
    }
}
