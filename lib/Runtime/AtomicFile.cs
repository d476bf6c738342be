using System.Text;
using System.Text.Json;

namespace MagvitSeg.Runtime;

/// <summary>
/// Writes files so that a crash never leaves a half-written result: the bytes go to a temp file in the same
/// folder, which is then renamed over the target (atomic on one file system).
/// </summary>
public static class AtomicFile
{
    /// <summary>Shared JSON options for every file MagvitSeg writes: indented, camelCase off (names as declared).</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes through <paramref name="write"/> into a temp file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Atomically writes bytes.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Atomically writes UTF-8 text.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Atomically writes a value as indented JSON.</summary>
    public static void WriteJson<T>(string path, T value) => Write(path, s => JsonSerializer.Serialize(s, value, Json));
}
