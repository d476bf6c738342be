using MagvitSeg.Runtime;

namespace MagvitSeg.Viz;

/// <summary>
/// Where a notebook writes its report figures (<c>results/&lt;profile&gt;/figures/</c>): each Save writes
/// <c>&lt;name&gt;.png</c> and hands the figure back, so one line both saves and displays it.
/// </summary>
public sealed class FigureFolder
{
    private readonly List<string> _written = new();

    /// <summary>A folder of figures at <paramref name="directory"/> (created on the first save).</summary>
    public FigureFolder(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The figures folder of a profile: <c>results/&lt;profile&gt;/figures</c> (see <see cref="RepoPaths.Results"/>).</summary>
    public static FigureFolder ForProfile(string profile) => new(RepoPaths.Results(profile, "figures"));

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Paths written so far, in order.</summary>
    public IReadOnlyList<string> Written => _written;

    /// <summary>The path of figure <paramref name="name"/> (a file name without extension, e.g. "01-clips").</summary>
    public string PathOf(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/'))
            throw new ArgumentException($"Figure name '{name}' must be a plain file name without extension, such as '01-clips'.", nameof(name));
        return Path.Combine(Directory, name + ".png");
    }

    /// <summary>Writes <paramref name="png"/> as <c>&lt;name&gt;.png</c>; returns it.</summary>
    public PngImage Save(string name, PngImage png)
    {
        string path = PathOf(name);
        png.Save(path);
        _written.Add(path);
        return png;
    }

    /// <summary>
    /// Writes the chart's static PNG as <c>&lt;name&gt;.png</c> and, with <paramref name="html"/>, the interactive version as
    /// <c>&lt;name&gt;.html</c> (plotly.js inlined, offline); returns the chart (for the interactive display).
    /// </summary>
    public PlotlyFigure Save(string name, PlotlyFigure figure, bool html = false)
    {
        Save(name, figure.ToPng());
        if (html)
        {
            string path = Path.ChangeExtension(PathOf(name), ".html");
            figure.SaveHtml(path);
            _written.Add(path);
        }
        return figure;
    }
}
