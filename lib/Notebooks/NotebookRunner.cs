using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace MagvitSeg.Notebooks;

/// <summary>The outcome of one headless notebook run.</summary>
/// <param name="Notebook">The .dib that ran.</param>
/// <param name="Output">The executed copy (.ipynb) with outputs.</param>
/// <param name="Ok">Every cell ran without error.</param>
/// <param name="Error">The first failing cell's error, when not ok.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record NotebookRun(string Notebook, string Output, bool Ok, string? Error, double Seconds);

/// <summary>
/// Runs the .dib notebooks headless with dotnet-repl (pinned in .config/dotnet-tools.json) over the library's flat
/// kernel build, so that what a VS Code user sees is what the tests check.
/// </summary>
public static class NotebookRunner
{
    /// <summary>The kernel build folder notebooks <c>#r</c> from: <c>artifacts/kernel</c> under the repository root.</summary>
    public static string KernelDir(string repoRoot) => Path.Combine(repoRoot, "artifacts", "kernel");

    /// <summary>
    /// Publishes MagvitSeg.Lib into the flat kernel folder (TorchSharp.dll beside its natives, patched where needed)
    /// when it is missing or older than any lib/ source file.
    /// </summary>
    public static void EnsureKernelBuild(string repoRoot, Action<string>? log = null)
    {
        string dir = KernelDir(repoRoot);
        string dll = Path.Combine(dir, "MagvitSeg.Lib.dll");
        DateTime newestSource = Directory.EnumerateFiles(Path.Combine(repoRoot, "lib"), "*.cs", SearchOption.AllDirectories)
            .Append(Path.Combine(repoRoot, "MagvitSeg.Lib.csproj"))
            .Max(File.GetLastWriteTimeUtc);
        if (File.Exists(dll) && File.GetLastWriteTimeUtc(dll) >= newestSource) return;
        log?.Invoke($"building the notebook kernel library into {dir} ...");
        // A separate artifacts path keeps this RID-specific build out of the ordinary bin/ and obj/ folders.
        Exec("dotnet", $"publish \"{Path.Combine(repoRoot, "MagvitSeg.Lib.csproj")}\" -c Release -r {RuntimeInformation.RuntimeIdentifier} " +
                       $"--self-contained false --artifacts-path \"{Path.Combine(repoRoot, "artifacts", "kernel-build")}\" -o \"{dir}\"", repoRoot, 600);
    }

    /// <summary>Runs one notebook with <c>--input profile=…</c>; the executed copy goes to <paramref name="outputDir"/>.</summary>
    public static NotebookRun Run(string repoRoot, string notebook, string profile, string outputDir, int timeoutSeconds = 900)
    {
        Directory.CreateDirectory(outputDir);
        string output = Path.Combine(outputDir, Path.GetFileNameWithoutExtension(notebook) + ".ipynb");
        var sw = Stopwatch.StartNew();
        var (code, text) = Exec("dotnet", $"repl --run \"{notebook}\" --exit-after-run --output-path \"{output}\" --input profile={profile}",
            Path.GetDirectoryName(Path.GetFullPath(notebook))!, timeoutSeconds, throwOnError: false);
        string? error = code == 0 ? null : FirstError(output) ?? $"dotnet repl exited with code {code}: {Tail(text)}";
        return new NotebookRun(notebook, output, code == 0, error, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The first error output of an executed notebook, or null.</summary>
    public static string? FirstError(string ipynb)
    {
        if (!File.Exists(ipynb)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        int cellNo = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            cellNo++;
            if (!cell.TryGetProperty("outputs", out var outs)) continue;
            foreach (var o in outs.EnumerateArray())
                if (o.GetProperty("output_type").GetString() == "error")
                    return $"cell {cellNo}: {o.GetProperty("evalue").GetString()}";
        }
        return null;
    }

    /// <summary>Output types found in an executed notebook (e.g. "stream", "display_data") with their MIME types.</summary>
    public static List<string> OutputKinds(string ipynb)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        var kinds = new List<string>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (!cell.TryGetProperty("outputs", out var outs)) continue;
            foreach (var o in outs.EnumerateArray())
            {
                string t = o.GetProperty("output_type").GetString() ?? "";
                if (o.TryGetProperty("data", out var data))
                    foreach (var mime in data.EnumerateObject()) kinds.Add($"{t}:{mime.Name}");
                else kinds.Add(t);
            }
        }
        return kinds;
    }

    private static (int Code, string Text) Exec(string file, string args, string cwd, int timeoutSeconds, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file} {args}' did not finish within {timeoutSeconds} s.");
        }
        string text = stdout.Result + stderr.Result;
        if (throwOnError && p.ExitCode != 0)
            throw new InvalidOperationException($"'{file} {args}' failed with exit code {p.ExitCode}:\n{Tail(text)}");
        return (p.ExitCode, text);
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : s[^2000..];
}
