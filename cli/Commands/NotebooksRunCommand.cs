using MagvitSeg.Cli.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg notebooks run [--profile tiny] [--only NN] [--output DIR]</c>: executes notebooks/NN-*.dib headless, saving executed copies under results/&lt;profile&gt;/notebooks/.</summary>
internal static class NotebooksRunCommand
{
    public static int Run(Args args)
    {
        string profile = args.Get("profile", "tiny");
        string? only = args.Get("only");
        string? output = args.Get("output");
        int timeoutMinutes = args.GetInt("timeout-minutes", 120);
        args.EnsureAllUsed();
        if (args.Positional.Count > 0) throw new CliException($"unexpected argument '{args.Positional[0]}'");
        if (only is not null && (only.Length != 2 || !only.All(char.IsAsciiDigit)))
            throw new CliException($"--only expects a two-digit notebook number such as 00, got '{only}'");
        if (timeoutMinutes < 1) throw new CliException("--timeout-minutes must be at least 1");

        string root = RepoPaths.RepoRoot();
        string outDir = output ?? RepoPaths.Results(profile, "notebooks");
        var results = NotebookRunner.RunAll(root, profile, outDir, only, Console.WriteLine, TimeSpan.FromMinutes(timeoutMinutes));
        var failed = results.FirstOrDefault(r => !r.Succeeded);
        if (failed is null)
        {
            Console.WriteLine($"all {results.Count} notebook(s) passed; executed copies in {outDir}");
            return 0;
        }
        Console.Error.WriteLine($"notebook {Path.GetFileName(failed.Notebook)} FAILED (dotnet-repl exit {failed.ExitCode})" +
                                (failed.OutputPath.Length > 0 ? $"; executed copy: {failed.OutputPath}" : ""));
        if (failed.FirstError is { } e)
        {
            Console.Error.WriteLine($"first failing cell: #{e.CellIndex + 1} (code cells counted from 1)");
            Console.Error.WriteLine("---- cell source ----");
            Console.Error.WriteLine(e.CellSource.TrimEnd());
            Console.Error.WriteLine("---- error ----");
            Console.Error.WriteLine($"{e.Name}: {e.Message}");
        }
        else
        {
            Console.Error.WriteLine("no cell error recorded; dotnet-repl's last output:");
            Console.Error.WriteLine(failed.ConsoleTail);
        }
        return 1;
    }
}
