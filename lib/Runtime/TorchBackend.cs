using System.Runtime.InteropServices;

namespace MagvitSeg.Runtime;

/// <summary>
/// Which libtorch this build runs on (the <c>TorchBackend</c> build property: cpu, cuda or system) and, for the system
/// backend, whether the machine's libtorch can be found. Uses no TorchSharp, so it can be asked before TorchSharp loads.
/// </summary>
public static class TorchBackend
{
    /// <summary>The build's backend: cpu, cuda or system.</summary>
    public static string Name { get; } =
#if TORCH_SYSTEM
        "system";
#elif TORCH_CUDA
        "cuda";
#else
        "cpu";
#endif

    /// <summary>Null when libtorch can be loaded; otherwise what is missing and how to fix it.</summary>
    /// <remarks>
    /// Only the system backend can lack libtorch. It is checked before TorchSharp starts because TorchSharp's own
    /// fallback would then copy a CPU libtorch (about 500 MB) out of the NuGet cache next to the program and run on it.
    /// </remarks>
    public static string? MissingLibtorch()
    {
        if (Name != "system") return null;
        string lib = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (NativeLibrary.TryLoad(lib, out _)) return null; // kept loaded: TorchSharp resolves the same library next
        string search = OperatingSystem.IsWindows() ? "PATH" : OperatingSystem.IsMacOS() ? "DYLD_LIBRARY_PATH" : "LD_LIBRARY_PATH";
        return $"this build uses the machine's libtorch (-p:TorchBackend=system), but {lib} is not on {search}. " +
               $"Point {search} at a libtorch lib folder, for a PyTorch install: " +
               $"export {search}=\"$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), \"lib\"))')\" " +
               "(environment.md, GPU), or build with the default cpu backend.";
    }

    /// <summary>The folder of the libtorch this process has loaded (Linux, from /proc/self/maps); null if unknown.</summary>
    public static string? LoadedLibtorchFolder()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal))
                    return Path.GetDirectoryName(line[slash..]);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
