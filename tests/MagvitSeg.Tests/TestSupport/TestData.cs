using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>
/// The repository's own test fixtures (<c>tests/fixtures</c>): the COCO parity cases and ten real COCO images. They are
/// part of the checkout, so tests that use them never skip.
/// </summary>
public static class TestData
{
    /// <summary>The fixtures folder of the checkout.</summary>
    public static string FixturesRoot => Path.Combine(RepoPaths.RepoRoot(), "tests", "fixtures");

    /// <summary>A file or folder under <c>tests/fixtures</c>, e.g. <c>Fixture("coco-parity/case5")</c>.</summary>
    /// <exception cref="FileNotFoundException">It is not there (an incomplete checkout).</exception>
    public static string Fixture(string relative)
    {
        string path = Path.GetFullPath(Path.Combine(FixturesRoot, relative));
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Test fixture '{relative}' is missing: expected {path}. The fixtures are part of the " +
                                            "repository (tests/fixtures); check out the whole tree.", path);
        return path;
    }

    /// <summary>Five train and five val COCO 2017 images with their annotations, in the official layout.</summary>
    public static string CocoMini => Fixture("coco-mini");

    /// <summary>One split of <see cref="CocoMini"/>: its instances json and its image folder.</summary>
    public static (string Annotations, string Images) CocoMiniSplit(string split) =>
        (Path.Combine(CocoMini, "annotations", $"instances_{split}2017.json"), Path.Combine(CocoMini, $"{split}2017"));
}
