using System.Globalization;
using System.Reflection;
using System.Text;

namespace MagvitSeg.Cli;

/// <summary>
/// The last-resort handler: an exception that is neither a usage nor a data error is a bug. The user gets one line
/// (the message and where the full trace went); the trace, the command line and the version go to
/// <c>$TMPDIR/magvitseg-crash-&lt;UTC time&gt;-&lt;pid&gt;.txt</c> for the bug report. Exit code 70 (EX_SOFTWARE).
/// </summary>
internal static class CrashReport
{
    public static int Report(Exception e, string verb, IReadOnlyList<string> argv, TextWriter? error = null)
    {
        string where;
        try
        {
            where = Path.Combine(Path.GetTempPath(),
                $"magvitseg-crash-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{Environment.ProcessId}.txt");
            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"magvitseg {Version()} on .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}")
                .AppendLine(CultureInfo.InvariantCulture, $"working folder: {Environment.CurrentDirectory}")
                .AppendLine("command line: magvitseg " + string.Join(' ', argv.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)))
                .AppendLine()
                .AppendLine(e.ToString());
            File.WriteAllText(where, text.ToString());
        }
        catch (Exception writeError) when (writeError is IOException or UnauthorizedAccessException)
        {
            where = $"(could not write the trace: {writeError.Message})";
        }
        (error ?? Console.Error).WriteLine($"{verb}: internal error: {e.GetType().Name}: {FirstLine(e.Message)} (full trace: {where}; please report it)");
        return CommandLine.InternalError;
    }

    /// <summary>The informational version: the package version and the git commit it was built from.</summary>
    public static string Version() =>
        typeof(CrashReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static string FirstLine(string s) => s.Split('\n')[0].TrimEnd('\r');
}
