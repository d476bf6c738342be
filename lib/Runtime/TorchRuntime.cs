using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Runtime;

/// <summary>
/// One place that decides the compute device, seeds every RNG and reports versions, so the CLI,
/// the tests and the notebooks all start TorchSharp the same way.
/// </summary>
public static class TorchRuntime
{
    static TorchRuntime()
    {
        MallocTuning.KeepFreedMemory();
        Nnpack.DisableIfUnavailable();
    }

    /// <summary>
    /// Resolves a device name: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown, or CUDA was asked for and is not available.</exception>
    public static Device ResolveDevice(string? name = "auto")
    {
        name = string.IsNullOrWhiteSpace(name) ? "auto" : name.Trim().ToLowerInvariant();
        if (name == "auto") return cuda.is_available() ? CUDA : CPU;
        if (name == "cpu") return CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException(
                    $"Device '{name}' was requested but CUDA is not available (this build's libtorch: {TorchBackend.Name}). On a " +
                    "machine with an NVIDIA driver build with -p:TorchBackend=cuda, or with -p:TorchBackend=system over a PyTorch " +
                    "CUDA install (see environment.md, GPU); or pass --device cpu.");
            return new Device(name);
        }
        throw new ArgumentException($"Unknown device '{name}': use auto, cpu, cuda or cuda:N.");
    }

    /// <summary>Held while seeding torch's global generator and drawing from it, where several threads may do so.</summary>
    public static readonly object GlobalGeneratorLock = new();

    /// <summary>Seeds torch (CPU and CUDA) so that a run is repeatable.</summary>
    public static void Seed(long seed)
    {
        random.manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    /// <summary>Sets intra-op threads; 0 keeps libtorch's default (all cores).</summary>
    public static void SetThreads(int threads)
    {
        if (threads > 0) set_num_threads(threads);
    }

    /// <summary>A one-line description of the runtime, for logs and the environment notebook.</summary>
    public static string Describe()
    {
        string cudaText = cuda.is_available() ? $"CUDA available ({cuda.device_count()} device(s))" : "CUDA not available";
        // The system backend runs whichever libtorch it finds, so name the folder rather than TorchSharp's own version.
        string libtorch = TorchBackend.Name == "system" ? $"libtorch from {TorchBackend.LoadedLibtorchFolder() ?? "?"}" : $"libtorch {__version__}";
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, {libtorch}, " +
               $"{get_num_threads()} threads, {cudaText}, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}
