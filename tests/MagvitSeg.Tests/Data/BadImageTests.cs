using MagvitSeg.Data.Images;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Data;

/// <summary>Image decoding of missing, corrupt and truncated JPEG/PNG files: an exception naming the file, never garbage pixels.</summary>
public class BadImageTests
{
    private static string CocoJpeg() => Directory.GetFiles(TestData.CocoMiniSplit("val").Images, "*.jpg").OrderBy(f => f, StringComparer.Ordinal).First();

    private static string Png(TempDir tmp)
    {
        var px = new float[3 * 16 * 16];
        for (int i = 0; i < px.Length; i++) px[i] = (i % 7) / 3.5f - 1f;
        string path = tmp.File("ok.png");
        File.WriteAllBytes(path, ImageIo.EncodePng(px, 16, 16));
        return path;
    }

    [Fact]
    public void GoodFilesDecode()
    {
        using var tmp = new TempDir();
        foreach (var path in new[] { CocoJpeg(), Png(tmp) })
        {
            var (rgba, w, h) = ImageIo.Decode(path);
            Assert.Equal((w, h), ImageIo.ReadSize(path));
            Assert.Equal(w * h * 4, rgba.Length);
        }
    }

    [Fact]
    public void TruncatedJpegAndPngAreErrorsNamingTheFile()
    {
        using var tmp = new TempDir();
        foreach (var (src, name) in new[] { (CocoJpeg(), "cut.jpg"), (Png(tmp), "cut.png") })
        {
            var bytes = File.ReadAllBytes(src);
            string cut = tmp.File(name);
            File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
            var e = Assert.Throws<InvalidDataException>(() => ImageIo.Decode(cut));
            Assert.Contains(name, e.Message);
            Assert.Contains("truncated", e.Message);
        }
    }

    [Theory]
    [InlineData("garbage.jpg")]
    [InlineData("garbage.png")]
    [InlineData("empty.png")]
    public void CorruptFilesAreErrorsNamingTheFile(string name)
    {
        using var tmp = new TempDir();
        string path = tmp.File(name);
        File.WriteAllBytes(path, name.StartsWith("empty") ? Array.Empty<byte>() : Enumerable.Range(0, 2048).Select(i => (byte)(i * 13 % 256)).ToArray());
        Assert.Contains(name, Assert.Throws<InvalidDataException>(() => ImageIo.Decode(path)).Message);
        Assert.Contains(name, Assert.Throws<InvalidDataException>(() => ImageIo.ReadSize(path)).Message);
    }

    [Fact]
    public void MissingFilesAreFileNotFoundNamingTheFile()
    {
        using var tmp = new TempDir();
        Assert.Contains("nope.jpg", Assert.Throws<FileNotFoundException>(() => ImageIo.Decode(tmp.File("nope.jpg"))).Message);
        Assert.Contains("nope.jpg", Assert.Throws<FileNotFoundException>(() => ImageIo.ReadSize(tmp.File("nope.jpg"))).Message);
    }
}
