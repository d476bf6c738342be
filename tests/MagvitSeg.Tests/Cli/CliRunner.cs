using System.Diagnostics;

namespace MagvitSeg.Tests.Cli;

/// <summary>Runs the built magvitseg CLI (copied next to the tests) as a separate process.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args) => RunIn(null, null, args);

    /// <summary>Runs in <paramref name="workingDirectory"/> (null: this process's) with extra environment variables.</summary>
    public static (int Code, string Out, string Err) RunIn(string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunFrom(AppContext.BaseDirectory, workingDirectory, environment, args);

    /// <summary>Runs the magvitseg.dll in <paramref name="appFolder"/> (e.g. a copy outside the checkout); an empty value removes a variable.</summary>
    public static (int Code, string Out, string Err) RunFrom(string appFolder, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            if (v.Length == 0) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        psi.ArgumentList.Add(Path.Combine(appFolder, "magvitseg.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, o.Result, e.Result);
    }
}
