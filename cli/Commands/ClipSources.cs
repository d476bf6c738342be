using MagvitSeg.Config;
using MagvitSeg.Training;

namespace MagvitSeg.Cli.Commands;

/// <summary>Maps <c>--data</c> to a clip source factory (profile, seed) -> source.</summary>
internal static class ClipSources
{
    public static Func<VqvaeConfig, long, IClipSource> Open(string spec) => spec switch
    {
        "procedural" => (v, seed) => new ProceduralClips(v.Frames, v.Height, v.Width, seed),
        _ => throw new CliException($"--data '{spec}' is not available in this build; use --data procedural (moving blobs)."),
    };
}
