using System.Text.Json.Nodes;
using MagvitSeg.Data.Manifests;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Data.Manifests;

[Collection("ffmpeg")]
public class ManifestVerifierTests
{
    [SampleDataTheory("coco-tiny", "videos")]
    [InlineData("coco-tiny", false)]
    [InlineData("coco-tiny", true)]
    [InlineData("sample-videos", false)]
    [InlineData("sample-videos", true)]
    public void SharedSampleDataMatchesItsManifest(string name, bool deep) => VerifiesOk(name, deep);

    [Fact]
    public void GeneratedDataMatchesItsManifest() => VerifiesOk("moving-shapes", deep: false);

    private static void VerifiesOk(string name, bool deep)
    {
        var report = ManifestVerifier.Verify(DatasetManifest.Load(name), deep: deep);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.NotEmpty(report.Checked);
    }

    [Fact]
    public void EveryShippedManifestLoads()
    {
        foreach (var name in DatasetManifest.Available())
            Assert.Equal(name, DatasetManifest.Load(name).Name);
        Assert.Contains("coco2017", DatasetManifest.Available());
        // Datasets that cannot be downloaded here have no default root: verify asks for one instead of guessing.
        Assert.Throws<ArgumentException>(() => ManifestVerifier.Verify(DatasetManifest.Load("kinetics600")));
    }

    [SampleDataFact("coco-tiny")]
    public void BrokenCocoCopyFailsNamingEveryBadFile()
    {
        using var tmp = new TempDir();
        string src = RepoPaths.SharedData("coco-tiny");
        Directory.CreateDirectory(tmp.File("annotations"));
        Directory.CreateDirectory(tmp.File("val2017"));
        foreach (var f in Directory.GetFiles(Path.Combine(src, "val2017"))) File.Copy(f, Path.Combine(tmp.File("val2017"), Path.GetFileName(f)));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "annotations", "instances_val2017.json")))!;
        var files = json["images"]!.AsArray().Select(i => (string)i!["file_name"]!).ToList();
        json["annotations"]![0]!["image_id"] = 424242424242;                    // points at no image
        File.WriteAllText(tmp.File("annotations/instances_val2017.json"), json.ToJsonString());
        File.Delete(Path.Combine(tmp.File("val2017"), files[0]));                                                // missing
        File.WriteAllBytes(Path.Combine(tmp.File("val2017"), files[1]), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });  // corrupt
        string truncated = Path.Combine(tmp.File("val2017"), files[2]);
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);                                               // header intact
        var full = DatasetManifest.Load("coco-tiny");
        var manifest = full with
        {
            CocoSplits = full.CocoSplits.Where(s => s.Name == "val").ToList(),
            Files = full.Files.Where(f => f.Path.StartsWith("val2017/", StringComparison.Ordinal)).ToList(),
        };

        var shallow = ManifestVerifier.Verify(manifest, tmp.Path);
        Assert.False(shallow.Ok);
        Assert.Contains(shallow.Problems, p => p.Contains(files[0]) && p.Contains("missing"));
        Assert.Contains(shallow.Problems, p => p.Contains(files[1]));
        Assert.Contains(shallow.Problems, p => p.Contains("image_id 424242424242"));
        // Without decoding, a cut-off body shows by its missing end marker and by its size against the manifest's.
        Assert.Contains(shallow.Problems, p => p.Contains(files[2]) && p.Contains("no end-of-image marker (FF D9)"));
        Assert.Contains(shallow.Problems, p => p.Contains(files[2]) && p.Contains($"{bytes.Length / 2} bytes, manifest says {bytes.Length}"));
        var deep = ManifestVerifier.Verify(manifest, tmp.Path, deep: true);
        Assert.Contains(deep.Problems, p => p.Contains(files[2]) && p.Contains("truncated"));
    }

    [SampleDataFact("videos")]
    public void BrokenVideoCopyFailsNamingEveryBadFile()
    {
        using var tmp = new TempDir();
        foreach (var f in Directory.GetFiles(RepoPaths.SharedData("videos"))) File.Copy(f, tmp.File(Path.GetFileName(f)));
        File.Delete(tmp.File("cat.mp4"));
        File.WriteAllBytes(tmp.File("bear.mp4"), Enumerable.Range(0, 3000).Select(i => (byte)(i * 7 % 251)).ToArray());
        File.WriteAllBytes(tmp.File("apple.mp4"), Array.Empty<byte>());
        var report = ManifestVerifier.Verify(DatasetManifest.Load("sample-videos"), tmp.Path);
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Contains("cat.mp4") && p.Contains("missing"));
        Assert.Contains(report.Problems, p => p.Contains("7 video(s) found, expected 8"));
        Assert.Contains(report.Problems, p => p.Contains("bear.mp4"));
        Assert.Contains(report.Problems, p => p.Contains("apple.mp4"));
    }

    [Fact]
    public void AStaleGeneratorManifestIsAProblem()
    {
        var m = DatasetManifest.Load("moving-shapes");
        var g = JsonNode.Parse(m.Generator!.Value.GetRawText())!;
        g["minObjects"] = 1;
        var stale = m with { Generator = System.Text.Json.JsonDocument.Parse(g.ToJsonString()).RootElement };
        var report = ManifestVerifier.Verify(stale);
        Assert.Contains(report.Problems, p => p.Contains("defaults"));
    }

    [Fact]
    public void ImageEndFindsATruncatedPngAndPassesIntactFiles()
    {
        using var tmp = new TempDir();
        string png = tmp.File("a.png");
        using (var bmp = new SkiaSharp.SKBitmap(16, 16)) File.WriteAllBytes(png, MagvitSeg.Viz.PngImage.Encode(bmp).Bytes);
        Assert.Null(ImageEnd.Missing(png));
        string jpg = Directory.GetFiles(Path.Combine(TestData.Fixture("coco-mini"), "val2017"))[0];
        Assert.Null(ImageEnd.Missing(jpg));
        var bytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, bytes[..^5]);
        Assert.Contains("does not end with its IEND chunk", ImageEnd.Missing(png));
    }
}
