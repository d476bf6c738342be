using System.Text.Json;
using MagvitSeg.Runtime;

namespace MagvitSeg.Tests.Cli;

public class EvalCommandTests
{
    private static string Case(string file) => Path.Combine(RepoPaths.SharedRoot(), "coco-parity", "case1", file);

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
    public void BenchEvalTimesBothIouTypesOnASmallWorkload()
    {
        var (code, stdout, _) = CliRunner.Run("bench", "eval", "--images", "20", "--repeats", "1", "--warmup", "0");
        Assert.Equal(0, code);
        Assert.Contains("segm: evaluate+accumulate+summarize median", stdout);
        Assert.Contains("bbox: evaluate+accumulate+summarize median", stdout);
        Assert.Contains("CPU s", stdout);
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
