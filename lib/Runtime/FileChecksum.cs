using System.Globalization;
using System.Security.Cryptography;

namespace MagvitSeg.Runtime;

/// <summary>
/// SHA-256 of file contents, and the sidecar form used for files whose format is not ours (TorchSharp's <c>module.save</c>):
/// <c>NAME.sha256</c> holds "HEX LENGTH", so a damaged or truncated file is named before it is deserialised.
/// </summary>
public static class FileChecksum
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="length"/> bytes of <paramref name="stream"/> from <paramref name="offset"/>.</summary>
    public static string Sha256(Stream stream, long offset, long length)
    {
        stream.Seek(offset, SeekOrigin.Begin);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long left = length;
        while (left > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0) break;
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Lower-case hex SHA-256 of a whole file.</summary>
    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Sha256(s, 0, s.Length);
    }

    /// <summary>The sidecar of <paramref name="path"/>: <c>path.sha256</c>.</summary>
    public static string SidecarOf(string path) => path + ".sha256";

    /// <summary>
    /// Moves a finished temp file over <paramref name="path"/> with its checksum: the sidecar is written (atomically) first,
    /// so a crash between the two leaves a sidecar that does not match the old file, which reads as damaged, never as good.
    /// </summary>
    public static void CommitWithSidecar(string tmp, string path)
    {
        long length = new FileInfo(tmp).Length;
        AtomicFile.WriteAllText(SidecarOf(path), $"{Sha256(tmp)} {length.ToString(CultureInfo.InvariantCulture)}\n");
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Null when <paramref name="path"/> matches its sidecar or has none (written before sidecars existed: unverified);
    /// else one line naming the file, expected and actual length or SHA-256, and the fix.
    /// </summary>
    public static string? CheckSidecar(string path, string fix)
    {
        string sidecar = SidecarOf(path);
        if (!File.Exists(sidecar)) return null;
        var parts = File.ReadAllText(sidecar).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long expected))
            return $"'{sidecar}' is damaged (expected 'SHA256 LENGTH'): {fix}";
        long actual = new FileInfo(path).Length;
        if (actual != expected) return $"'{path}' is damaged: {actual} bytes, its checksum file says {expected} (truncated?); {fix}";
        string sha = Sha256(path);
        return sha == parts[0] ? null : $"'{path}' is damaged: SHA-256 {sha[..16]}..., expected {parts[0][..Math.Min(16, parts[0].Length)]}...; {fix}";
    }
}
