using MagvitSeg.Data.Manifests;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg data verify NAME [--root DIR] [--deep]</c>: checks a dataset against data-manifests/NAME.json; prints what
/// was checked and every problem (each names its file); exit code 1 when there is any problem.
/// </summary>
internal static class DataVerifyCommand
{
    public static int Run(Args args)
    {
        string? root = args.Get("root");
        bool deep = args.Flag("deep");
        args.EnsureAllUsed();
        if (args.Positional.Count != 1)
            throw new CliException($"expects one dataset name: {string.Join(", ", DatasetManifest.Available())}");
        var manifest = DatasetManifest.Load(args.Positional[0]);
        var report = ManifestVerifier.Verify(manifest, root, deep);
        Console.WriteLine($"{report.Dataset} at {report.Root}{(deep ? " (deep)" : "")}:");
        foreach (var c in report.Checked) Console.WriteLine($"  checked {c}");
        foreach (var p in report.Problems) Console.WriteLine($"  PROBLEM {p}");
        Console.WriteLine(report.Ok ? "OK" : $"{report.Problems.Count} problem(s)");
        return report.Ok ? 0 : 1;
    }
}
