using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.Runtime;

public class RunDirectoryTests
{
    private static string TempDir() => Path.Combine(Path.GetTempPath(), "magvitseg-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void AFinishedRunIsNotOverwrittenSilently()
    {
        string dir = TempDir();
        var run = RunDirectory.Open(dir);
        run.WriteConfig(new { profile = "tiny", seed = 3 });
        var ex = Assert.Throws<IOException>(() => RunDirectory.Open(dir));
        Assert.Contains("--resume", ex.Message);
        Assert.Contains(dir, ex.Message);
        // resume keeps the files, force removes them
        RunDirectory.Open(dir, resume: true);
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        RunDirectory.Open(dir, force: true);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void AtomicWriteLeavesNoTempFileAndReplacesTheTarget()
    {
        string dir = TempDir();
        string path = Path.Combine(dir, "a", "b.json");
        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        // A failing writer keeps the old content and removes its temp file.
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException("boom")));
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Directory.Delete(dir, true);
    }
}
