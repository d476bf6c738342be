using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MagvitSeg.Data.Coco;

namespace MagvitSeg.Cli.Commands;

/// <summary>
/// <c>magvitseg bench coco-load [--mb 450]</c>: writes a synthetic instances file of about that size (shaped like
/// instances_train2017.json: ~7 annotations per image, polygons of ~40 points, some crowd RLEs) and times loading it.
/// </summary>
internal static class BenchCocoLoadCommand
{
    public static void Define(Command command)
    {
        var mb = Opt.Int("--mb", "size of the synthetic instances file in MB", Bound.AtLeast(1), 450);
        var file = Opt.Text("--file", "where the file is written and reused (default: the temp folder)", "F");
        command.AddAll(mb, file);
        command.SetAction(p => Run(p.GetValue(mb), p.GetValue(file)));
    }

    private static int Run(int mb, string? file)
    {
        string path = file ?? Path.Combine(Path.GetTempPath(), $"magvitseg-synthetic-instances-{mb}mb.json");
        if (!File.Exists(path) || new FileInfo(path).Length < mb * 1_000_000L * 0.95)
        {
            Console.WriteLine($"writing {path} ...");
            Write(path, mb * 1_000_000L);
        }
        long size = new FileInfo(path).Length;
        GC.Collect();
        long before = Process.GetCurrentProcess().WorkingSet64;
        var sw = Stopwatch.StartNew();
        var ds = CocoJson.ReadInstances(path);
        sw.Stop();
        var proc = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {size / 1e6:F0} MB: {ds.Images.Count} images, {ds.Annotations.Count} annotations, {ds.Categories.Count} categories in {sw.Elapsed.TotalSeconds:F2} s " +
            $"({size / 1e6 / sw.Elapsed.TotalSeconds:F0} MB/s); working set {proc.WorkingSet64 / 1048576.0:F0} MiB (before {before / 1048576.0:F0}), peak {proc.PeakWorkingSet64 / 1048576.0:F0} MiB"));
        GC.KeepAlive(ds);
        return 0;
    }

    private static void Write(string path, long targetBytes)
    {
        var rng = new Random(0);
        using var f = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        f.Write("{\"info\":{\"description\":\"synthetic\"},\"categories\":[");
        for (int c = 1; c <= 80; c++) f.Write((c > 1 ? "," : "") + $"{{\"id\":{c},\"name\":\"class{c}\",\"supercategory\":\"s\"}}");
        f.Write("],\"images\":[");
        int images = (int)(targetBytes / 2830); // ~7 annotations of ~400 bytes each per image
        for (int i = 0; i < images; i++)
            f.Write((i > 0 ? "," : "") + $"{{\"id\":{i + 1},\"width\":640,\"height\":480,\"file_name\":\"{i + 1:D12}.jpg\",\"license\":1}}");
        f.Write("],\"annotations\":[");
        long id = 1; bool first = true;
        var sb = new StringBuilder();
        for (int i = 0; i < images && f.BaseStream.Length < targetBytes; i++)
            for (int a = 0; a < 7; a++)
            {
                sb.Clear();
                sb.Append(first ? "" : ",").Append("{\"segmentation\":");
                first = false;
                bool crowd = rng.NextDouble() < 0.01;
                if (crowd) sb.Append("{\"counts\":[1000,20,460,20,460,20,305220],\"size\":[480,640]}");
                else
                {
                    sb.Append("[[");
                    for (int p = 0; p < 40; p++) sb.Append(p > 0 ? "," : "").Append((rng.NextDouble() * 600).ToString("F2", CultureInfo.InvariantCulture));
                    sb.Append("]]");
                }
                sb.Append(CultureInfo.InvariantCulture, $",\"area\":{rng.NextDouble() * 5000:F2},\"iscrowd\":{(crowd ? 1 : 0)},\"image_id\":{i + 1},\"bbox\":[1.5,2.5,30.25,40.75],\"category_id\":{1 + rng.Next(80)},\"id\":{id++}}}");
                f.Write(sb);
            }
        f.Write("]}");
    }
}
