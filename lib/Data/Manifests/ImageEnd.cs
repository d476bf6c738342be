namespace MagvitSeg.Data.Manifests;

/// <summary>
/// Whether a JPEG or PNG file still has its end: a cheap check (the last bytes only) for files truncated after an intact
/// header, which reading the header alone cannot see.
/// </summary>
public static class ImageEnd
{
    private static readonly byte[] PngEnd = { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }; // empty IEND chunk + CRC

    /// <summary>Null when the file ends as its format requires (or is neither JPEG nor PNG); else one line naming it.</summary>
    public static string? Missing(string path)
    {
        using var s = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        int n = s.Read(head);
        // Entropy-coded JPEG data stuffs every 0xFF with 0x00, so FF D9 near the end can only be the end-of-image marker;
        // some writers append padding after it, hence a short tail rather than the last two bytes.
        if (n >= 2 && head[0] == 0xFF && head[1] == 0xD8)
            return Tail(s, 64).IndexOf(new byte[] { 0xFF, 0xD9 }) >= 0 ? null
                : $"{path}: JPEG has no end-of-image marker (FF D9) in its last bytes: the file is truncated ({s.Length} bytes); fetch it again.";
        if (n == 8 && head[0] == 0x89 && head[1] == 0x50 && head[2] == 0x4E && head[3] == 0x47)
            return Tail(s, PngEnd.Length).SequenceEqual(PngEnd) ? null
                : $"{path}: PNG does not end with its IEND chunk: the file is truncated ({s.Length} bytes); fetch it again.";
        return null;
    }

    private static ReadOnlySpan<byte> Tail(FileStream s, int count)
    {
        int take = (int)Math.Min(count, s.Length);
        var buffer = new byte[take];
        s.Seek(-take, SeekOrigin.End);
        s.ReadExactly(buffer);
        return buffer;
    }
}
