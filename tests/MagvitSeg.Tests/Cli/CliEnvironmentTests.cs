using MagvitSeg.Cli;
using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Cli;

/// <summary>The command outside its checkout (an installed copy, another working folder) and its last-resort handler.</summary>
public class CliEnvironmentTests
{
    [Fact]
    public void ACopyOutsideTheCheckoutUsesTheManifestsBesideItUnlessToldOfACheckout()
    {
        using var tmp = new TempDir();
        // The managed build and its data-manifests/ (no natives: data verify of a generated set needs none).
        string app = tmp.File("app"), work = tmp.File("work");
        Directory.CreateDirectory(Path.Combine(app, "data-manifests"));
        Directory.CreateDirectory(work);
        foreach (var f in Directory.EnumerateFiles(AppContext.BaseDirectory).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(app, Path.GetFileName(f)));
        string shipped = Path.Combine(AppContext.BaseDirectory, "data-manifests", "moving-shapes.json");
        Assert.True(File.Exists(shipped), "the build copies data-manifests/ next to magvitseg.dll");
        foreach (var f in Directory.EnumerateFiles(Path.GetDirectoryName(shipped)!)) File.Copy(f, Path.Combine(app, "data-manifests", Path.GetFileName(f)));
        // A manifest only the copy has: verifying it proves which folder was read.
        File.WriteAllText(Path.Combine(app, "data-manifests", "copy-only.json"), File.ReadAllText(shipped).Replace("\"moving-shapes\"", "\"copy-only\"", StringComparison.Ordinal));

        var r = Run(app, work, "data", "verify", "copy-only");
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("copy-only at (generated, no files)", r.Out);
        Assert.Contains("OK", r.Out);

        // --repo names a checkout, whose data-manifests/ then win (it has no copy-only).
        string checkout = MagvitSeg.Runtime.RepoPaths.RepoRoot();
        var repo = Run(app, work, "--repo", checkout, "data", "verify", "copy-only");
        Assert.Equal(2, repo.Code);
        Assert.Contains("no data manifest 'copy-only'", repo.Err);

        // A dataset whose default folder lies beside a checkout says how to name one.
        var none = Run(app, work, "data", "verify", "coco-tiny");
        Assert.Equal(1, none.Code);
        Assert.Contains("pass --root DIR", none.Err);

        var version = Run(app, work, "--version");
        Assert.Equal(0, version.Code);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);
    }

    [Fact]
    public void AnUnexpectedExceptionIsOneLineAndTheTraceGoesToAFile()
    {
        Exception thrown;
        try { throw new NullReferenceException("the bug"); }
        catch (NullReferenceException e) { thrown = e; }
        var err = new StringWriter();
        int code = CrashReport.Report(thrown, "magvitseg study", new[] { "study", "--profile", "tiny" }, err);

        Assert.Equal(70, code);
        string line = err.ToString().TrimEnd();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("magvitseg study: internal error: NullReferenceException: the bug (full trace: ", line);
        string file = line[(line.IndexOf("full trace: ", StringComparison.Ordinal) + "full trace: ".Length)..line.IndexOf("; please report", StringComparison.Ordinal)];
        try
        {
            string trace = File.ReadAllText(file);
            Assert.Contains("command line: magvitseg study --profile tiny", trace);
            Assert.Contains("System.NullReferenceException: the bug", trace);
            Assert.Contains(nameof(AnUnexpectedExceptionIsOneLineAndTheTraceGoesToAFile), trace); // the stack trace itself
            Assert.StartsWith(Path.GetTempPath(), file);
        }
        finally { File.Delete(file); }
    }

    private static (int Code, string Out, string Err) Run(string app, string work, params string[] args) =>
        CliRunner.RunFrom(app, work, new Dictionary<string, string> { [MagvitSeg.Runtime.RepoPaths.RepoEnv] = "" }, args);
}
