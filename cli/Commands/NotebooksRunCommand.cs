using System.CommandLine;
using MagvitSeg.Cli.Notebooks;
using MagvitSeg.Runtime;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg notebooks run [--profile tiny] [--only NN] [--output DIR]</c>: executes notebooks/NN-*.dib headless, saving
/// executed copies under results/&lt;profile&gt;/notebooks/. The notebooks build the library from the checkout's sources,
/// so this verb needs a checkout (found from the build, the working folder, --repo or $MAGVITSEG_REPO).
/// </summary>
internal static class NotebooksRunCommand
{
    public static void Define(Command command)
    {
        var profile = Common.StudyProfileOption("tiny", "the profile every notebook runs at (its @input:profile)");
        var only = Opt.Text("--only", "run only notebooks/NN-*.dib (two digits, e.g. 00)", "NN");
        only.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && r.Tokens[0].Value is var v && (v.Length != 2 || !v.All(char.IsAsciiDigit)))
                r.AddError($"--only '{v}': expected a two-digit notebook number such as 00.");
        });
        var output = Opt.Text("--output", "where the executed copies go (default: results/<profile>/notebooks)", "DIR");
        var timeout = Opt.Int("--timeout-minutes", "give up on a notebook after this long", Bound.AtLeast(1), 120);
        command.AddAll(profile, only, output, timeout);
        command.SetAction(p => Run(p.GetValue(profile)!, p.GetValue(only), p.GetValue(output), p.GetValue(timeout)));
    }

    private static int Run(string profile, string? only, string? output, int timeoutMinutes)
    {
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
