using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Evaluation;

/// <summary>The pycocotools 2.0 parity fixtures (tests/fixtures/coco-parity): every stat within 1e-9.</summary>
public class CocoParityTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "case1", "segm" }, { "case1", "bbox" },
        { "case3", "segm" }, { "case3", "bbox" },
        { "case5", "segm" }, { "case5", "bbox" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StatsAndPerCategoryMatchPycocotools(string caseName, string iouType)
    {
        string dir = TestData.Fixture($"coco-parity/{caseName}");
        var gt = CocoJson.ReadInstances(Path.Combine(dir, "gt.json"));
        var dt = CocoJson.ReadResults(Path.Combine(dir, "dt.json"), gt);
        var result = new CocoEvaluator(gt, dt, iouType == "segm" ? IouType.Segm : IouType.Bbox).Run();

        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"expected_{iouType}.json")));
        var stats = expected.RootElement.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, result.Stats.Length);
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(stats[i] - result.Stats[i]) <= 1e-9, $"{caseName} {iouType} stat {i}: expected {stats[i]:R}, got {result.Stats[i]:R}");

        var perCat = result.PerCategory().ToDictionary(c => c.CategoryId.ToString());
        foreach (var cat in expected.RootElement.GetProperty("per_category").EnumerateObject())
        {
            var got = perCat[cat.Name];
            foreach (var (name, value) in new[] { ("AP", got.AP), ("AP50", got.AP50), ("AP75", got.AP75), ("AR100", got.AR100) })
            {
                double want = cat.Value.GetProperty(name).GetDouble();
                Assert.True(Math.Abs(want - value) <= 1e-9, $"{caseName} {iouType} category {cat.Name} {name}: expected {want:R}, got {value:R}");
            }
        }
    }
}
