using System.Runtime.InteropServices;

namespace MagvitSeg.Runtime;

/// <summary>
/// glibc gives every freed block above its mmap threshold, and free memory at the heap's top above its trim threshold,
/// back to the kernel; libtorch's per-step temporaries (megabytes each in the head's read-out and its backward) are then
/// page-faulted in again on every step. On the project's 2-core VMs that was a third of a head training step
/// (<c>bench head --profile cpu</c>: about 310 ms with glibc's defaults, 190 ms with freed memory kept). PyTorch users
/// get the same effect from jemalloc or tcmalloc. The cost: the process keeps its peak heap instead of shrinking after
/// it. A user who sets glibc's own variables (<c>MALLOC_MMAP_THRESHOLD_</c>, <c>MALLOC_TRIM_THRESHOLD_</c>) keeps them.
/// </summary>
internal static class MallocTuning
{
    private const int TrimThreshold = -1;                               // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3;                               // M_MMAP_THRESHOLD
    private const int MaxMmapThreshold = 32 * 1024 * 1024;              // glibc's ceiling on 64-bit (HEAP_MAX_SIZE / 2)
    private static int _done;

    /// <summary>Keeps freed heap memory in the process (glibc on Linux only; elsewhere nothing happens).</summary>
    public static void KeepFreedMemory()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0) return;
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null ||
            Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return;  // not glibc (musl has no such tuning)
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var mallopt)) return;
        unsafe
        {
            var set = (delegate* unmanaged<int, int, int>)mallopt;
            set(MmapThreshold, MaxMmapThreshold);
            set(TrimThreshold, int.MaxValue);
        }
    }
}
