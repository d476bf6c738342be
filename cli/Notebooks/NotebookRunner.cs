using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MagvitSeg.Cli.Notebooks;

/// <summary>How one notebook run ended.</summary>
/// <param name="Notebook">The .dib that ran.</param>
/// <param name="OutputPath">The executed copy (.ipynb) with all outputs.</param>
/// <param name="ExitCode">dotnet-repl's exit code: 0 when every cell passed, 2 when a cell failed.</param>
/// <param name="Elapsed">Wall time of the run.</param>
/// <param name="FirstError">The first failing cell, when there is one.</param>
/// <param name="ConsoleTail">The last lines dotnet-repl printed (for errors outside any cell).</param>
public sealed record NotebookResult(string Notebook, string OutputPath, int ExitCode, TimeSpan Elapsed, NotebookError? FirstError, string ConsoleTail)
{
    public bool Succeeded => ExitCode == 0 && FirstError is null;
}

/// <summary>
/// Runs the project's notebooks (notebooks/NN-*.dib) headless with dotnet-repl, the tool pinned in
/// .config/dotnet-tools.json, from the notebooks/ folder (so their relative #load/#r paths resolve) and with
/// <c>--input profile=...</c> answering each notebook's <c>@input:profile</c>.
/// </summary>
public static partial class NotebookRunner
{
    [GeneratedRegex(@"^\d\d-.+\.dib$")]
    private static partial Regex NotebookName();

    /// <summary>The notebooks in run order (by their NN- prefix); <paramref name="only"/> (e.g. "00") keeps one.</summary>
    public static IReadOnlyList<string> Find(string repoRoot, string? only = null)
    {
        string dir = Path.Combine(repoRoot, "notebooks");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"No notebooks folder at '{dir}'.");
        var all = Directory.EnumerateFiles(dir, "*.dib").Where(f => NotebookName().IsMatch(Path.GetFileName(f)))
                           .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (only is null) return all;
        var picked = all.Where(f => Path.GetFileName(f).StartsWith(only + "-", StringComparison.Ordinal)).ToList();
        if (picked.Count == 0)
            throw new ArgumentException($"No notebook notebooks/{only}-*.dib. Present: {string.Join(", ", all.Select(Path.GetFileName))}.");
        return picked;
    }

    /// <summary>Restores the pinned tools (dotnet-repl) unless dotnet-repl already answers.</summary>
    public static void EnsureTool(string repoRoot)
    {
        if (RunDotnet(repoRoot, new[] { "tool", "run", "dotnet-repl", "--", "--version" }, TimeSpan.FromMinutes(1)).ExitCode == 0) return;
        var r = RunDotnet(repoRoot, new[] { "tool", "restore" }, TimeSpan.FromMinutes(5));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"'dotnet tool restore' failed in {repoRoot} (exit {r.ExitCode}); dotnet-repl 0.3.259 is pinned in .config/dotnet-tools.json:\n{r.Output}");
    }

    /// <summary>
    /// Runs the notebooks in order, each saved to <paramref name="outputDir"/>/&lt;name&gt;.ipynb, and stops at
    /// the first one that fails. Returns the results of the notebooks that ran.
    /// </summary>
    public static IReadOnlyList<NotebookResult> RunAll(string repoRoot, string profile, string outputDir, string? only = null,
                                                      Action<string>? log = null, TimeSpan? timeoutPerNotebook = null,
                                                      IReadOnlyDictionary<string, string>? environment = null)
    {
        var notebooks = Find(repoRoot, only);
        EnsureTool(repoRoot);
        var results = new List<NotebookResult>();
        foreach (var nb in notebooks)
        {
            string outPath = Path.Combine(outputDir, Path.ChangeExtension(Path.GetFileName(nb), ".ipynb"));
            log?.Invoke($"notebook {Path.GetFileName(nb)} (profile {profile}) ...");
            var r = Run(repoRoot, nb, profile, outPath, timeoutPerNotebook ?? TimeSpan.FromHours(2), environment);
            results.Add(r);
            log?.Invoke($"notebook {Path.GetFileName(nb)}: {(r.Succeeded ? "ok" : "FAILED")} in {r.Elapsed.TotalSeconds:F0} s -> {r.OutputPath}");
            if (!r.Succeeded) break;
        }
        return results;
    }

    /// <summary>
    /// Runs one notebook headless; the executed copy is written atomically to <paramref name="outputPath"/>.
    /// <paramref name="environment"/> adds environment variables for the kernel (e.g. <see cref="Runtime.RepoPaths.ResultsEnv"/>).
    /// </summary>
    public static NotebookResult Run(string repoRoot, string notebook, string profile, string outputPath, TimeSpan timeout,
                                     IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(notebook)) throw new FileNotFoundException($"Notebook '{notebook}' not found.", notebook);
        string full = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".magvitseg-tmp.ipynb");
        if (File.Exists(tmp)) File.Delete(tmp);
        var sw = Stopwatch.StartNew();
        var r = RunDotnet(Path.Combine(repoRoot, "notebooks"),
            new[] { "tool", "run", "dotnet-repl", "--", "--run", Path.GetFullPath(notebook), "--exit-after-run",
                    "--output-path", tmp, "--input", $"profile={profile}" }, timeout, environment);
        NotebookError? error = null;
        if (File.Exists(tmp))
        {
            error = Ipynb.FirstError(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        else full = "";
        return new NotebookResult(notebook, full, r.ExitCode, sw.Elapsed, error, Tail(r.Output, 40));
    }

    private static (int ExitCode, string Output) RunDotnet(string workingDirectory, IEnumerable<string> args, TimeSpan timeout,
                                                           IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
            foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start 'dotnet'.");
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            lock (output) output.AppendLine($"(killed after {timeout.TotalSeconds:F0} s)");
            return (124, output.ToString());
        }
        p.WaitForExit(); // drains the async readers
        lock (output) return (p.ExitCode, output.ToString());
    }

    private static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
