using MagvitSeg.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg notebooks run [--profile tiny] [--only NN]</c>: runs notebooks/NN-*.dib in order, headless.</summary>
internal static class NotebooksRunCommand
{
    public static int Run(Args args)
    {
        string profile = args.Get("profile", "tiny");
        string? only = args.Get("only");
        args.EnsureAllUsed();
        string root = RepoPaths.RepoRoot();
        var notebooks = Directory.GetFiles(Path.Combine(root, "notebooks"), "*.dib")
            .Where(f => char.IsDigit(Path.GetFileName(f)[0]))
            .Where(f => only is null || Path.GetFileName(f).StartsWith(only, StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (notebooks.Count == 0) throw new CliException($"no notebooks match '{only}' in {Path.Combine(root, "notebooks")}");
        NotebookRunner.EnsureKernelBuild(root, Console.WriteLine);
        string outDir = RepoPaths.Results(profile, "notebooks");
        foreach (var nb in notebooks)
        {
            Console.Write($"{Path.GetFileName(nb)} ... ");
            var run = NotebookRunner.Run(root, nb, profile, outDir);
            Console.WriteLine(run.Ok ? $"ok ({run.Seconds:F0} s) -> {run.Output}" : "FAILED");
            if (!run.Ok)
            {
                Console.Error.WriteLine($"{Path.GetFileName(nb)} failed at {run.Error}");
                Console.Error.WriteLine($"executed copy with outputs: {run.Output}");
                return 1;
            }
        }
        Console.WriteLine($"all {notebooks.Count} notebook(s) ran; executed copies in {outDir}");
        return 0;
    }
}
