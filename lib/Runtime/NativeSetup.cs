using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MagvitSeg.Runtime;

/// <summary>
/// Process-level native settings applied when the library loads, before libtorch runs its first kernel.
/// </summary>
internal static class NativeSetup
{
    /// <summary>The oneDNN variable that caps the instruction set its kernels may use.</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>
    /// libtorch 2.10 (TorchSharp 0.107) computes WRONG float32 convolution input gradients with oneDNN's AVX-512
    /// kernels on this project's machines: 50 % error single-threaded, random values and NaN with two threads, while
    /// float64 and PyTorch 1.13 agree with finite differences. Capping oneDNN at AVX2 gives exact gradients (1e-10 vs a
    /// float64 reference) at any thread count. A user who sets ONEDNN_MAX_CPU_ISA keeps their value.
    /// .NET's Environment.SetEnvironmentVariable does not reach native getenv on Unix, hence libc setenv.
    /// </summary>
#pragma warning disable CA2255 // a library module initializer is exactly what is needed: it must run before libtorch does
    [ModuleInitializer]
    internal static void CapOneDnnIsa()
#pragma warning restore CA2255
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try { setenv(IsaVariable, "AVX2", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
