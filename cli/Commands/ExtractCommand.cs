using System.CommandLine;
using MagvitSeg.Config;
using MagvitSeg.Study;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg extract --variant ID</c>: encodes a variant's train/val images into the study's feature cache.</summary>
internal static class ExtractCommand
{
    public static void Define(Command command)
    {
        var variant = StudyOptions.Variant();
        var common = new StudyOptions();
        command.AddAll(variant);
        common.AddTo(command);
        command.SetAction(p => Extract(common, p, StudyVariant.Parse(new[] { p.GetRequiredValue(variant) })[0]));
    }

    private static int Extract(StudyOptions common, ParseResult p, StudyVariant variant)
    {
        if (variant.FineTune) throw new CliException($"variant '{variant.Id}' fine-tunes the encoder, so it has no frozen features to extract.");
        using var runner = common.Open(p);
        var extractor = runner.Extractor(variant);
        foreach (var split in new[] { "train", "val" })
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var levels = runner.Features(extractor, split);
            Console.WriteLine($"{split}: {string.Join(" + ", levels.Select(l => $"[{string.Join(", ", l.shape)}]"))} in {sw.Elapsed.TotalSeconds:F1} s " +
                              $"({levels[0].shape[0] / sw.Elapsed.TotalSeconds:F1} images/s, including a cache hit when it was already built)");
            foreach (var l in levels) l.Dispose();
        }
        Console.WriteLine($"feature cache: {runner.Paths.Features}");
        return 0;
    }
}
