using System.Reflection;

namespace MagvitSeg.Viz;

/// <summary>
/// plotly.js (npm plotly.js-dist-min 4.1.2, MIT, file lib/Viz/plotly.min.js) embedded in the library, so
/// charts render offline: no CDN, no download.
/// </summary>
public static class PlotlyJs
{
    private const string ResourceName = "MagvitSeg.plotly.min.js";
    private static readonly Lazy<string> Source = new(Load);

    /// <summary>The minified plotly.js source (with its license header).</summary>
    public static string Script => Source.Value;

    private static string Load()
    {
        using var s = typeof(PlotlyJs).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new FileNotFoundException($"Embedded resource {ResourceName} is missing from {typeof(PlotlyJs).Assembly.Location}: rebuild MagvitSeg.Lib (lib/Viz/plotly.min.js).");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
