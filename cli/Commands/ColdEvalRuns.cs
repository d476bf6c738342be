using System.Diagnostics;
using System.Globalization;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// Times COCO evaluation as a user runs it: a fresh process that loads the JSON files, evaluates and prints the
/// summary. Our side is this CLI's own <c>eval</c> verb; the reference is pycocotools in a fresh python3, when it
/// is installed. Start-up, JIT and JSON parsing all count, as they do for the user.
/// </summary>
internal static class ColdEvalRuns
{
    // The same steps as a user's pycocotools script: load both files, evaluate, accumulate, summarize.
    private const string PycocotoolsScript =
        "import sys\n" +
        "from pycocotools.coco import COCO\n" +
        "from pycocotools.cocoeval import COCOeval\n" +
        "import contextlib, io\n" +
        "with contextlib.redirect_stdout(io.StringIO()):\n" +
        "    gt = COCO(sys.argv[1]); dt = gt.loadRes(sys.argv[2])\n" +
        "    e = COCOeval(gt, dt, sys.argv[3]); e.evaluate(); e.accumulate(); e.summarize()\n" +
        "print(repr(e.stats[0]))\n";

    /// <summary>Whether python3 can import pycocotools (null: it can; otherwise why not).</summary>
    public static string? PycocotoolsMissing()
    {
        try
        {
            var (code, _, err, _) = Spawn("python3", new[] { "-c", "import pycocotools.cocoeval" });
            return code == 0 ? null : "python3 cannot import pycocotools (" + err.Trim().Split('\n')[^1] + ")";
        }
        catch (System.ComponentModel.Win32Exception) { return "python3 is not on PATH"; }
    }

    /// <summary>One cold <c>magvitseg eval</c>: wall seconds and its first output line.</summary>
    public static (double Seconds, string FirstLine) Ours(string gt, string dt, string iouType)
    {
        // The apphost when there is one (what a user types); otherwise the dll through the dotnet host.
        string dll = Path.Combine(AppContext.BaseDirectory, "magvitseg.dll");
        string apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "magvitseg.exe" : "magvitseg");
        var args = new List<string> { "eval", "--gt", gt, "--dt", dt, "--iou-type", iouType };
        var (code, stdout, stderr, seconds) = File.Exists(apphost) ? Spawn(apphost, args) : Spawn("dotnet", args.Prepend(dll).ToList());
        if (code != 0) throw new InvalidOperationException($"the cold 'magvitseg eval' exited {code}: {stderr.Trim()}");
        return (seconds, stdout.Split('\n')[0]);
    }

    /// <summary>One cold pycocotools run in python3: wall seconds and its AP.</summary>
    public static (double Seconds, double AP) Pycocotools(string gt, string dt, string iouType)
    {
        var (code, stdout, stderr, seconds) = Spawn("python3", new[] { "-c", PycocotoolsScript, gt, dt, iouType });
        if (code != 0) throw new InvalidOperationException($"pycocotools exited {code}: {stderr.Trim().Split('\n')[^1]}");
        return (seconds, double.Parse(stdout.Trim(), CultureInfo.InvariantCulture));
    }

    private static (int Code, string Out, string Err, double Seconds) Spawn(string exe, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        sw.Stop();
        return (p.ExitCode, o.Result, e.Result, sw.Elapsed.TotalSeconds);
    }
}
