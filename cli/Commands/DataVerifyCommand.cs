using System.CommandLine;
using MagvitSeg.Data.Manifests;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg data verify NAME [--root DIR] [--deep]</c>: checks a dataset against data-manifests/NAME.json. What was
/// checked goes to stdout; every problem (each names its file) and the verdict go to stderr, as every other error line;
/// exit code 1 when there is any problem.
/// </summary>
internal static class DataVerifyCommand
{
    public static void Define(Command command)
    {
        var name = new Argument<string>("NAME") { Description = "the dataset: a data-manifests/NAME.json" };
        name.CompletionSources.Add(_ => DatasetManifest.Available().Select(n => new System.CommandLine.Completions.CompletionItem(n)));
        name.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            IReadOnlyList<string> known;
            try { known = DatasetManifest.Available(); }
            catch (DirectoryNotFoundException) { return; } // no manifests at all: the verb says so, as a data error
            if (!known.Contains(r.Tokens[0].Value, StringComparer.Ordinal))
                r.AddError($"no data manifest '{r.Tokens[0].Value}': expected {Opt.Alternatives(known)}.");
        });
        var root = Opt.Text("--root", "the dataset's folder (default: the manifest's default location)", "DIR");
        var deep = Opt.Flag("--deep", "also decode every image and video");
        command.AddAll(name, root, deep);
        command.SetAction(p => Run(p.GetRequiredValue(name), p.GetValue(root), p.GetValue(deep)));
    }

    private static int Run(string name, string? root, bool deep)
    {
        var manifest = DatasetManifest.Load(name);
        var report = ManifestVerifier.Verify(manifest, root, deep);
        Console.WriteLine($"{report.Dataset} at {report.Root}{(deep ? " (deep)" : "")}:");
        foreach (var c in report.Checked) Console.WriteLine($"  checked {c}");
        foreach (var p in report.Problems) Console.Error.WriteLine($"  PROBLEM {p}");
        if (report.Ok) Console.WriteLine("OK");
        else Console.Error.WriteLine($"magvitseg data verify: {report.Problems.Count} problem(s)");
        return report.Ok ? 0 : CommandLine.DataError;
    }
}
