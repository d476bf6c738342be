using MagvitSeg.Data.Coco;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Data.Coco;

public class CocoImageSetTests
{
    [Fact]
    public void RealCocoImagesLoadWithMasksClassesAndCrowdIgnore()
    {
        var (annotations, images) = TestData.CocoMiniSplit("val");
        var set = CocoImageSet.Load(annotations, images, 64, maxImages: 5);
        Assert.Equal(5, set.Count);
        Assert.Empty(set.Skipped);
        Assert.Equal(80, set.NumClasses);
        Assert.Equal(1, set.CategoryIds[0]);                 // person: contiguous index 0 -> COCO id 1
        Assert.Equal(90, set.CategoryIds[79]);               // toothbrush: the ids have gaps, the indices don't
        var g = set.Geometry[0];
        Assert.Equal(64, Math.Max(g.ScaledWidth, g.ScaledHeight)); // longer side fits S, aspect kept
        Assert.Equal((double)g.Width / g.Height, (double)g.ScaledWidth / g.ScaledHeight, 1);
        Assert.True(set.Targets.Sum(t => t.Count) > 5);
        Assert.All(set.Targets.SelectMany(t => t.Classes), c => Assert.InRange(c, 0, 79));
        // the padding is ignored
        var t0 = set.Targets[0];
        if (g.ScaledHeight < 64) Assert.Equal(1, t0.Ignore[63 * 64 + 0]);
        if (g.ScaledWidth < 64) Assert.Equal(1, t0.Ignore[0 * 64 + 63]);
        Assert.All(set.Pixels, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void CorruptAndMissingImagesAreSkippedAndNamed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-bad-" + Guid.NewGuid().ToString("N"));
        string src = TestData.CocoMini;
        Directory.CreateDirectory(Path.Combine(dir, "img"));
        var gt = CocoJson.ReadInstances(Path.Combine(src, "annotations", "instances_val2017.json"));
        var first = gt.Images.OrderBy(i => i.Id).Take(3).ToList();
        File.Copy(Path.Combine(src, "val2017", first[0].FileName), Path.Combine(dir, "img", first[0].FileName));
        var bytes = File.ReadAllBytes(Path.Combine(src, "val2017", first[1].FileName));
        File.WriteAllBytes(Path.Combine(dir, "img", first[1].FileName), bytes[..200]);   // truncated JPEG
        // first[2] is missing
        var set = CocoImageSet.Load(Path.Combine(src, "annotations", "instances_val2017.json"), Path.Combine(dir, "img"), 32, maxImages: 3);
        Assert.Equal(1, set.Count);
        Assert.Equal(2, set.Skipped.Count);
        Assert.Contains(set.Skipped, s => s.Path.EndsWith(first[1].FileName) && s.Reason.Contains(first[1].FileName));
        Assert.Contains(set.Skipped, s => s.Reason.Contains("does not exist"));
        Directory.Delete(dir, true);
    }
}
