// Kernel route for MagvitSeg notebooks (see notebooks/README.md and environment.md).
// A notebook kernel needs TorchSharp.dll in ONE folder with its native libraries (libtorch + the
// GLIBCXX-patched libLibTorchSharp.so on Debian 12). `dotnet publish -r <rid>` of the library gives that
// folder: artifacts/kernel. This script (re)builds it when it is missing or older than any library
// source, so the next cell can `#r "../artifacts/kernel/MagvitSeg.Lib.dll"`.
// It runs BEFORE the library is loaded, so it can only use the BCL.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

/// <summary>Builds artifacts/kernel (the flat library folder a notebook kernel loads) when stale.</summary>
static class MagvitSegKernel
{
    /// <summary>The portable runtime identifier of this machine (linux-x64, win-x64, osx-arm64, ...).</summary>
    public static string Rid()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            var a => throw new PlatformNotSupportedException($"MagvitSeg notebooks: no TorchSharp natives for {a}."),
        };
        return $"{os}-{arch}";
    }

    /// <summary>The repository root: the nearest folder at or above <paramref name="start"/> holding MagvitSeg.slnx.</summary>
    public static string RepoRoot(string start)
    {
        for (var d = new DirectoryInfo(Path.GetFullPath(start)); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MagvitSeg.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException(
            $"No MagvitSeg checkout (folder with MagvitSeg.slnx) above '{start}': start the notebook from the repository's notebooks/ folder.");
    }

    static IEnumerable<string> Inputs(string root)
    {
        foreach (var f in Directory.EnumerateFiles(Path.Combine(root, "lib"), "*", SearchOption.AllDirectories)) yield return f;
        foreach (var f in Directory.EnumerateFiles(Path.Combine(root, "build"), "*", SearchOption.AllDirectories)) yield return f;
        foreach (var name in new[] { "MagvitSeg.Lib.csproj", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
        {
            string f = Path.Combine(root, name);
            if (File.Exists(f)) yield return f;
        }
    }

    /// <summary>Publishes the library to artifacts/kernel unless that folder is newer than every input; returns the folder.</summary>
    public static string EnsureBuilt(string start = ".")
    {
        string root = RepoRoot(start);
        string outDir = Path.Combine(root, "artifacts", "kernel");
        string backend = Environment.GetEnvironmentVariable("MAGVITSEG_TORCH_BACKEND") is { Length: > 0 } b ? b : "cpu";
        string stamp = Path.Combine(outDir, "kernel.stamp");
        string want = $"{Rid()} {backend}";
        if (File.Exists(stamp) && File.ReadAllText(stamp).Trim() == want && File.Exists(Path.Combine(outDir, "MagvitSeg.Lib.dll")))
        {
            var built = File.GetLastWriteTimeUtc(stamp);
            if (Inputs(root).All(f => File.GetLastWriteTimeUtc(f) <= built)) return outDir;
        }
        // A separate artifacts path keeps this RID-specific restore and build out of the ordinary bin/ and obj/.
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] {
            "publish", "MagvitSeg.Lib.csproj", "-c", "Release", "-r", Rid(), "--self-contained", "false",
            "--artifacts-path", Path.Combine(root, "artifacts", "kernel-build"), "-o", outDir, $"-p:TorchBackend={backend}",
            "-nologo", "-v:q" })
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException(
                $"Building the notebook library failed (dotnet {string.Join(' ', psi.ArgumentList)}, exit {p.ExitCode}):\n{stdout.Result}\n{stderr}");
        File.WriteAllText(stamp, want);
        Console.WriteLine($"MagvitSeg: built {outDir} for {want} in {sw.Elapsed.TotalSeconds:F0} s");
        return outDir;
    }
}

MagvitSegKernel.EnsureBuilt();
