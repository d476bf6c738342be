using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MagvitSeg.Data.Coco;
using MagvitSeg.Evaluation;

namespace MagvitSeg.Cli.Commands;

/// <summary><c>magvitseg eval --gt GT.json --dt DT.json --iou-type segm|bbox [--class-agnostic] [--json]</c></summary>
internal static class EvalCommand
{
    public static void Define(Command command)
    {
        var gt = Opt.Required("--gt", "ground truth: a COCO instances json", "GT.json");
        var dt = Opt.Required("--dt", "detections: a COCO results json (a list)", "DT.json");
        var type = Opt.Choice("--iou-type", "what the IoU compares", "segm", "segm", "bbox");
        var json = Opt.Flag("--json", "print stats, per-category AP and (segm) mIoU as JSON");
        // pycocotools' useCats = 0: are the objects found and segmented, whatever class they are given?
        var agnostic = Opt.Flag("--class-agnostic", "pool the categories (pycocotools' useCats=0)");
        var miou = Opt.Double("--miou-score", "detections at or above this score paint the semantic map for mIoU", Bound.Between(0, 1), 0.5);
        command.AddAll(gt, dt, type, json, agnostic, miou);
        command.SetAction(p => Run(p.GetRequiredValue(gt), p.GetRequiredValue(dt), p.GetValue(type)!, p.GetValue(json), p.GetValue(agnostic), p.GetValue(miou)));
    }

    private static int Run(string gtPath, string dtPath, string type, bool json, bool agnostic, double miouThreshold)
    {
        var iouType = type switch
        {
            "segm" => IouType.Segm,
            "bbox" => IouType.Bbox,
            _ => throw new CliException($"--iou-type must be segm or bbox, got '{type}'"),
        };
        // The two files are parsed on both cores at once; the ground truth's errors are reported first.
        var gtTask = Task.Run(() => CocoJson.ReadInstances(gtPath));
        var records = Task.Run(() => CocoJson.ReadResultRecords(dtPath));
        var gt = Unwrap(gtTask);
        var dt = Unwrap(records);
        CocoJson.CompleteResults(dt, dtPath, gt);
        var result = new CocoEvaluator(gt, dt, iouType, new CocoEvalParams { UseCats = !agnostic }).Run();
        if (!json)
        {
            Console.Write(result.SummaryText());
            return 0;
        }
        var perCategory = new Dictionary<string, double>();
        foreach (var c in result.PerCategory()) perCategory[c.Name] = c.AP;
        var output = new Dictionary<string, object?>
        {
            ["iou_type"] = type,
            ["use_cats"] = !agnostic,
            ["stats"] = result.Stats,
            ["per_category"] = perCategory,
        };
        if (iouType == IouType.Segm)
        {
            var miou = SemanticMiou.Compute(gt, dt, miouThreshold);
            output["miou"] = double.IsNaN(miou.MIoU) ? null : miou.MIoU;
        }
        Console.WriteLine(JsonSerializer.Serialize(output));
        return 0;
    }

    // The loader's own exception, not an AggregateException around it: the dispatcher prints it as one line.
    private static T Unwrap<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
