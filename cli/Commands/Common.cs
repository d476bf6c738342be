using System.CommandLine;
using System.Globalization;
using MagvitSeg.Config;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary>Options several verbs share, defined once so their names, checks and help read the same everywhere.</summary>
internal static class Common
{
    /// <summary><c>--device auto|cpu|cuda|cuda:N</c>; the syntax is checked here, CUDA's presence when the verb starts.</summary>
    public static Option<string?> Device(string defaultValue)
    {
        var o = Opt.Text("--device", "auto (CUDA when available), cpu, cuda or cuda:N", "auto|cpu|cuda|cuda:N", defaultValue);
        o.CompletionSources.Add("auto", "cpu", "cuda");
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            string v = r.Tokens[0].Value.Trim().ToLowerInvariant();
            bool ok = v is "auto" or "cpu" or "cuda" || (v.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(v[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _));
            if (!ok) r.AddError($"--device '{r.Tokens[0].Value}': expected auto, cpu, cuda or cuda:N.");
        });
        return o;
    }

    /// <summary><c>--threads N</c>: libtorch intra-op threads; 0 is libtorch's default.</summary>
    public static Option<int?> Threads(string defaultText) =>
        Opt.Int("--threads", $"libtorch intra-op threads, 0 = libtorch's default (default: {defaultText})", Bound.AtLeast(0));

    /// <summary><c>--jobs N</c>: runs trained side by side, one libtorch thread each (study, curves).</summary>
    public static Option<int?> Jobs(string what) =>
        Opt.Int("--jobs", $"{what} trained side by side, one libtorch thread each (default: one per core, at most 8, on CPU with one thread; else 1)", Bound.AtLeast(1));

    /// <summary>
    /// The jobs when --jobs is not given: one per core (at most 8) on CPU at one libtorch thread, where a run keeps one
    /// core busy; otherwise 1 (the device or the thread pool is already shared).
    /// </summary>
    public static int DefaultJobs(TorchSharp.torch.Device device) =>
        device.type == TorchSharp.DeviceType.CPU && TorchSharp.torch.get_num_threads() == 1 ? Math.Clamp(Environment.ProcessorCount, 1, 8) : 1;

    /// <summary>A study profile name (the library's list, e.g. tiny, cpu, gpu).</summary>
    public static Option<string?> StudyProfileOption(string? defaultValue, string description = "the study profile") =>
        Opt.Named("--profile", description, "NAME", () => StudyProfile.All.Select(p => p.Name), n => StudyProfile.Get(n), defaultValue);

    /// <summary>A tokenizer profile name (the library's list, e.g. tiny, cpu, gpu, magvit-b, magvit-l).</summary>
    public static Option<string?> TokenizerProfileOption(string description) =>
        Opt.Named("--profile", description, "NAME", () => TokenizerProfile.All.Select(p => p.Name), n => TokenizerProfile.Get(n));

    /// <summary><c>--data SPEC</c>: a clip source (see <see cref="ClipSources.Open"/>); the spelling is checked here, folders when the verb starts.</summary>
    public static Option<string?> Data(string description)
    {
        var o = Opt.Text("--data", description, "SPEC", "moving-shapes");
        o.CompletionSources.Add("moving-shapes", "videos:", "frames:", "mixed", "mixed:", "procedural");
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && ClipSources.Problem(r.Tokens[0].Value) is { } problem) r.AddError(problem);
        });
        return o;
    }
}
