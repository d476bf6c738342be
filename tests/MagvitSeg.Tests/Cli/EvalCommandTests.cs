using System.Text.Json;
using MagvitSeg.Runtime;
using MagvitSeg.Tests.TestSupport;

namespace MagvitSeg.Tests.Cli;

public class EvalCommandTests
{
    private static string Case(string file) => TestData.Fixture($"coco-parity/case1/{file}");

    [Fact]
    public void PlainOutputHasPycocotoolsSummaryLayout()
    {
        var (code, stdout, _) = CliRunner.Run("eval", "--gt", Case("gt.json"), "--dt", Case("dt.json"), "--iou-type", "segm");
        Assert.Equal(0, code);
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(12, lines.Length);
        // pycocotools prints AP 0.3745981... as 0.375 in this exact layout
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.375", lines[0]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.562", lines[1]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.333", lines[11]);
    }

    [Fact]
    public void JsonOutputCarriesStatsPerCategoryAndMiou()
    {
        var (code, stdout, _) = CliRunner.Run("eval", "--gt", Case("gt.json"), "--dt", Case("dt.json"), "--iou-type", "segm", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var stats = doc.RootElement.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        Assert.Equal(0.3745981070830787, stats[0], 12);                 // expected_segm.json
        Assert.True(doc.RootElement.GetProperty("per_category").EnumerateObject().Count() == 8);
        double miou = doc.RootElement.GetProperty("miou").GetDouble();
        Assert.InRange(miou, 0, 1);
    }

    [Fact]
    public void ClassAgnosticPoolsTheCategories()
    {
        var (code, stdout, err) = CliRunner.Run("eval", "--gt", Case("gt.json"), "--dt", Case("dt.json"), "--iou-type", "segm", "--class-agnostic", "--json");
        Assert.True(code == 0, stdout + err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.False(doc.RootElement.GetProperty("use_cats").GetBoolean());
        Assert.Single(doc.RootElement.GetProperty("per_category").EnumerateObject());
        // The same stats as the library's pooled evaluation (checked against relabelling in CocoClassAgnosticTests),
        // and not the per-category 0.3746 of expected_segm.json.
        var gt = MagvitSeg.Data.Coco.CocoJson.ReadInstances(Case("gt.json"));
        var dt = MagvitSeg.Data.Coco.CocoJson.ReadResults(Case("dt.json"), gt);
        var pooled = new MagvitSeg.Evaluation.CocoEvaluator(gt, dt, MagvitSeg.Evaluation.IouType.Segm,
            new MagvitSeg.Evaluation.CocoEvalParams { UseCats = false }).Run();
        double ap = doc.RootElement.GetProperty("stats")[0].GetDouble();
        Assert.Equal(pooled.Stats[0], ap, 12);
        Assert.NotEqual(0.3745981070830787, ap, 6);
    }

    [Fact]
    public void BenchEvalTimesBothIouTypesOnASmallWorkload()
    {
        var (code, stdout, _) = CliRunner.Run("bench", "eval", "--images", "20", "--repeats", "1", "--warmup", "0", "--cold", "1");
        Assert.Equal(0, code);
        Assert.Contains("segm: evaluate+accumulate+summarize median", stdout);
        Assert.Contains("bbox: evaluate+accumulate+summarize median", stdout);
        Assert.Contains("CPU s", stdout);
        // The workload written to files and evaluated by fresh 'magvitseg eval' processes, as a user runs it.
        Assert.Contains("segm cold 'magvitseg eval': median", stdout);
        Assert.Contains("bbox cold 'magvitseg eval': median", stdout);
        Assert.Contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.", stdout);
    }

    [Fact]
    public void BadInputGivesAOneLineErrorAndNonZeroExit()
    {
        var (code, _, stderr) = CliRunner.Run("eval", "--gt", Case("gt.json"), "--dt", Case("gt.json"), "--iou-type", "segm");
        Assert.NotEqual(0, code);
        Assert.Contains("results file must be a JSON list", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        var (code2, _, stderr2) = CliRunner.Run("eval", "--gt", Case("gt.json"), "--dt", Case("dt.json"), "--iou-typo", "segm");
        Assert.Equal(2, code2);
        Assert.Contains("--iou-typo", stderr2);
    }
}
