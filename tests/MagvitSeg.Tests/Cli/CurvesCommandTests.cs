using System.Text.Json;
using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Cli;

public class CurvesCommandTests
{
    [Fact]
    public void TinyCurvesWriteEveryFileAndReuseFinishedRuns()
    {
        // A 1-step tokenizer stands in for the trained one (arm a); the random encoder (b) and the pixels (c) need none.
        using var tmp = new TempDir();
        var tok = CliRunner.Run("pretrain", "--profile", "tiny", "--out", tmp.File("tok"), "--steps", "1", "--eval-every", "1", "--disc-start", "-1");
        Assert.True(tok.Code == 0, tok.Out + tok.Err);
        string ckpt = Directory.GetFiles(Path.Combine(tmp.File("tok"), "checkpoints"), "*.ckpt").Single();
        string[] args = { "curves", "--profile", "tiny", "--arms", "a,b,c", "--seeds", "0,1", "--tokenizer", ckpt,
            "--study", tmp.File("study"), "--out", tmp.File("curves"), "--resamples", "200" };
        var r = CliRunner.Run(args);
        Assert.True(r.Code == 0, r.Out + r.Err);
        string root = tmp.File("curves");
        foreach (var f in new[] { "config.json", "curves.csv", "differences.csv", "curves.json" })
            Assert.True(File.Exists(Path.Combine(root, f)), f);
        // 3 arms x 3 probes x 2 budgets x 2 seeds; AP only for the query probe.
        var rows = File.ReadAllLines(Path.Combine(root, "curves.csv"));
        Assert.Equal("arm,probe,train_images,seed,steps,AP,mIoU,train_seconds", rows[0]);
        Assert.Equal(36, rows.Length - 1);
        Assert.All(rows.Skip(1), line =>
        {
            var c = line.Split(',');
            Assert.Equal(c[1] == "query", c[5] != "");
            Assert.NotEqual("", c[6]);
        });
        // (a)-(b) and (a)-(c) for every probe, budget and metric (query: AP and mIoU): 2 pairs x 2 budgets x 4 = 16.
        var diffs = File.ReadAllLines(Path.Combine(root, "differences.csv"));
        Assert.Equal("pair,probe,train_images,metric,mean,ci_low,ci_high,seeds,resamples", diffs[0]);
        Assert.Equal(16, diffs.Length - 1);
        Assert.All(diffs.Skip(1), line =>
        {
            var c = line.Split(',');
            if (c[5] == "") return;  // no resample where the metric is defined
            double mean = double.Parse(c[4], System.Globalization.CultureInfo.InvariantCulture);
            double lo = double.Parse(c[5], System.Globalization.CultureInfo.InvariantCulture), hi = double.Parse(c[6], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(lo <= hi, line);
            Assert.Equal("2", c[7]);
        });
        foreach (var probe in new[] { "linear-mIoU", "mlp-mIoU", "query-AP", "query-mIoU" })
            foreach (var kind in new[] { "curves", "forest" })
                foreach (var ext in new[] { ".png", ".html" })
                    Assert.True(File.Exists(Path.Combine(root, "figures", $"{kind}-{probe}{ext}")), $"{kind}-{probe}{ext}");
        // Every run wrote its config next to its outputs; the budgets' subsets are the same for every arm.
        using (var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "runs", "linear", "b", "n12", "seed1", "config.json"))))
            Assert.Equal(12, cfg.RootElement.GetProperty("train_images").GetInt32());
        Assert.True(File.Exists(Path.Combine(root, "runs", "query", "a", "n12", "seed0", "predictions.json")));

        // A second run reuses every finished run and writes the same table.
        var again = CliRunner.Run(args);
        Assert.True(again.Code == 0, again.Out + again.Err);
        Assert.DoesNotContain("training", again.Out.Split('\n').Where(l => l.Contains("labelled stills")));
        Assert.Contains("reusing", again.Out);
        // The reused records carry their metrics and training times, so the table is the same to the byte.
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(root, "curves.csv")));
    }
}
