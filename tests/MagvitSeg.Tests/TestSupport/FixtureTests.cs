using System.Text.Json;
using MagvitSeg.Data.Coco;

namespace MagvitSeg.Tests.TestSupport;

/// <summary>The repository's own fixtures are complete, within their size limit, loadable, and carry their provenance.</summary>
public class FixtureTests
{
    [Fact]
    public void FixturesStayUnderFiveMegabytes()
    {
        long bytes = Directory.GetFiles(TestData.FixturesRoot, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 1, 5L * 1024 * 1024);
    }

    [Theory]
    [InlineData("case1", 5, 24)]
    [InlineData("case3", 60, 376)]
    [InlineData("case5", 200, 1385)]
    public void ParityCasesLoadWithTheCountsTheirReadmeStates(string name, int images, int annotations)
    {
        string dir = TestData.Fixture($"coco-parity/{name}");
        var gt = CocoJson.ReadInstances(Path.Combine(dir, "gt.json"));
        Assert.Equal((images, annotations), (gt.Images.Count, gt.Annotations.Count));
        Assert.NotEmpty(CocoJson.ReadResults(Path.Combine(dir, "dt.json"), gt));
        foreach (var type in new[] { "segm", "bbox" })
        {
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"expected_{type}.json")));
            Assert.Equal(type, expected.RootElement.GetProperty("iouType").GetString());
            Assert.Equal(12, expected.RootElement.GetProperty("stats").GetArrayLength());
        }
        Assert.Contains("8c9bcc3cf640524c4c20a9c40e89cb6a2f2fa0e9", File.ReadAllText(TestData.Fixture("coco-parity/README.md")));
    }

    [Theory]
    [InlineData("train", 40)]
    [InlineData("val", 49)]
    public void CocoMiniHoldsRedistributableImagesWithTheirAttribution(string split, int instances)
    {
        var (annotations, images) = TestData.CocoMiniSplit(split);
        var gt = CocoJson.ReadInstances(annotations);
        Assert.Equal(5, gt.Images.Count);
        Assert.Equal(instances, gt.Annotations.Count);
        Assert.Equal(80, gt.Categories.Count);
        Assert.Equal(1, gt.Annotations.Count(a => a.IsCrowd));

        // Only COCO licences 4, 5, 7 and 8 (Attribution, Attribution-ShareAlike, no known restrictions, US Government
        // work), each image credited in the README by its flickr_url and coco_url.
        string readme = File.ReadAllText(TestData.Fixture("coco-mini/README.md"));
        using var json = JsonDocument.Parse(File.ReadAllText(annotations));
        foreach (var image in json.RootElement.GetProperty("images").EnumerateArray())
        {
            Assert.Contains(image.GetProperty("license").GetInt32(), new[] { 4, 5, 7, 8 });
            string file = image.GetProperty("file_name").GetString()!;
            Assert.True(File.Exists(Path.Combine(images, file)), $"{file} is missing from {images}");
            Assert.Contains(image.GetProperty("flickr_url").GetString()!, readme);
            Assert.Contains(image.GetProperty("coco_url").GetString()!, readme);
        }
        Assert.Equal(5, Directory.GetFiles(images, "*.jpg").Length);
    }
}
