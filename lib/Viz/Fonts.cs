using SkiaSharp;

namespace MagvitSeg.Viz;

/// <summary>
/// The typeface for chart and label text. The NoDependencies SkiaSharp build has no fontconfig, so
/// SKTypeface.Default may draw nothing on Linux: load DejaVu Sans from disk (Debian: fonts-dejavu-core).
/// </summary>
public static class Fonts
{
    /// <summary>Environment variable naming a .ttf to use instead.</summary>
    public const string FontEnv = "MAGVITSEG_FONT";

    private static readonly string[] Candidates =
    {
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    };

    private static readonly Lazy<SKTypeface> Face = new(Load);

    /// <summary>The typeface in use (a file from the list above, else SkiaSharp's default).</summary>
    public static SKTypeface Typeface => Face.Value;

    /// <summary>True when a real font file was found (text will be drawn).</summary>
    public static bool HasFontFile => SourcePath is not null;

    /// <summary>The font file loaded, or null when falling back to SKTypeface.Default.</summary>
    public static string? SourcePath { get; private set; }

    /// <summary>A font of <paramref name="size"/> pixels.</summary>
    public static SKFont Font(float size) => new(Typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = true };

    private static SKTypeface Load()
    {
        var env = Environment.GetEnvironmentVariable(FontEnv);
        foreach (var path in (env is { Length: > 0 } ? new[] { env } : Array.Empty<string>()).Concat(Candidates))
        {
            if (!File.Exists(path)) continue;
            var tf = SKTypeface.FromFile(path);
            if (tf is null) continue;
            SourcePath = path;
            return tf;
        }
        return SKTypeface.Default;
    }
}
