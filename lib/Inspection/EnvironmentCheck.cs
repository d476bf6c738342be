using System.Diagnostics;
using MagvitSeg.Runtime;
using MagvitSeg.Viz;
using TorchSharp;

namespace MagvitSeg.Inspection;

/// <summary>One line of the environment report: what was checked, whether it is usable, details and the fix.</summary>
public sealed record EnvironmentItem(string Name, bool Ok, string Detail, string? Fix = null);

/// <summary>
/// What a run needs from the machine (TorchSharp natives, device, sample data, ffmpeg, a font), checked
/// without side effects, with the command that fixes each missing piece. Notebook 00 shows it.
/// </summary>
public static class EnvironmentCheck
{
    /// <summary>All checks, in the order a user should fix them.</summary>
    public static IReadOnlyList<EnvironmentItem> Run()
    {
        var items = new List<EnvironmentItem>();
        try
        {
            items.Add(new("TorchSharp", true, TorchRuntime.Describe()));
            bool cuda = torch.cuda.is_available();
            items.Add(new("device", true, cuda
                ? $"cuda ({torch.cuda.device_count()} GPU(s))"
                : $"cpu (no CUDA in this {TorchBackend.Name} build; on a GPU machine build with -p:TorchBackend=system over its PyTorch install, or -p:TorchBackend=cuda: see environment.md)"));
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
        {
            items.Add(new("TorchSharp", false, e.GetBaseException().Message,
                "Load the library from artifacts/kernel (notebooks/kernel.csx builds it; on Debian 12 the build patches libLibTorchSharp.so)."));
        }

        string coco = RepoPaths.SharedData("coco-tiny");
        int train = CountFiles(Path.Combine(coco, "train2017"), "*.jpg"), val = CountFiles(Path.Combine(coco, "val2017"), "*.jpg");
        bool annotations = File.Exists(Path.Combine(coco, "annotations", "instances_val2017.json"));
        items.Add(new("coco-tiny", train > 0 && val > 0 && annotations,
            $"{coco}: {train} train / {val} val images, annotations {(annotations ? "present" : "missing")}",
            train > 0 && val > 0 && annotations ? null : $"Put the shared sample data beside the checkout (../shared/data) or set {RepoPaths.DataEnv}."));

        string videos = RepoPaths.SharedData("videos");
        int mp4 = CountFiles(videos, "*.mp4");
        items.Add(new("videos", mp4 > 0, $"{videos}: {mp4} mp4 file(s)",
            mp4 > 0 ? null : $"Put the shared sample videos at ../shared/data/videos or set {RepoPaths.DataEnv}."));

        string? ffmpeg = ToolVersion("ffmpeg");
        items.Add(new("ffmpeg", ffmpeg is not null, ffmpeg ?? "not found on PATH",
            ffmpeg is null ? "Debian/Ubuntu: sudo apt-get install -y ffmpeg; Windows: winget install Gyan.FFmpeg; macOS: brew install ffmpeg" : null));

        _ = Fonts.Typeface; // loads the font, which sets SourcePath
        string? font = Fonts.SourcePath;
        items.Add(new("font", font is not null, font ?? "no font file found: chart and label text will be missing",
            font is null ? "Debian/Ubuntu: sudo apt-get install -y fonts-dejavu-core (or set MAGVITSEG_FONT to a .ttf)" : null));

        items.Add(new("cores", true, $"{Environment.ProcessorCount} logical core(s)"));
        return items;
    }

    /// <summary>The report as plain text lines ("[ok] name: detail", with "fix:" lines under failures).</summary>
    public static string Format(IEnumerable<EnvironmentItem> items) =>
        string.Join(Environment.NewLine, items.Select(i =>
            $"[{(i.Ok ? "ok" : "MISSING")}] {i.Name}: {i.Detail}" + (i.Fix is null ? "" : $"{Environment.NewLine}      fix: {i.Fix}")));

    private static int CountFiles(string dir, string pattern) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, pattern).Count() : 0;

    private static string? ToolVersion(string tool)
    {
        try
        {
            var psi = new ProcessStartInfo(tool, "-version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi);
            if (p is null) return null;
            string first = p.StandardOutput.ReadLine() ?? "";
            p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000)) { p.Kill(); return null; }
            return p.ExitCode == 0 ? first : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not on PATH
        }
    }
}
