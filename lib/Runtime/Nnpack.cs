using System.Runtime.InteropServices;

namespace MagvitSeg.Runtime;

/// <summary>
/// libtorch tries NNPACK for CPU conv2d and, where NNPACK cannot initialise (it reports "Unsupported hardware" on this
/// project's VMs), prints a warning on EVERY such convolution: thousands of lines in a study log. libtorch checks
/// <c>at::globalContext().userEnabledNNPACK()</c> before trying, so turning that off where NNPACK is unavailable
/// silences it without changing any result (the fallback is the kernel libtorch uses anyway). TorchSharp does not
/// expose the switch, so it is called through the exported C++ symbols; if they are missing nothing happens.
/// </summary>
internal static class Nnpack
{
    private static int _done;

    /// <summary>Disables NNPACK in libtorch when it cannot initialise on this machine (at most one warning, once).</summary>
    public static void DisableIfUnavailable()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return;
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
        try
        {
            _ = TorchSharp.torch.get_num_threads();                      // makes sure libtorch is loaded
            if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, null, out var lib)) return;
            if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var ctxFn) ||
                !NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledNNPACKEb", out var setFn) ||
                !NativeLibrary.TryGetExport(lib, "_ZN2at4_ops17_nnpack_available4callEv", out var availFn)) return;
            unsafe
            {
                if (((delegate* unmanaged<byte>)availFn)() != 0) return;
                var ctx = ((delegate* unmanaged<IntPtr>)ctxFn)();
                ((delegate* unmanaged<IntPtr, byte, void>)setFn)(ctx, 0);
            }
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
