using System.Text.Json;

namespace MagvitSeg.Cli.Notebooks;

/// <summary>The first failing cell of an executed notebook: its index, source and error.</summary>
public sealed record NotebookError(int CellIndex, string CellSource, string Name, string Message);

/// <summary>One output of one cell of an executed .ipynb: mime type (or "stream"/"error") and its text.</summary>
public sealed record NotebookOutput(int CellIndex, string Kind, string Text);

/// <summary>Reads executed Jupyter notebooks (.ipynb, nbformat 4) as dotnet-repl writes them.</summary>
public static class Ipynb
{
    /// <summary>Every output of every code cell, in order. Display data yields one entry per mime type.</summary>
    public static IReadOnlyList<NotebookOutput> Outputs(string path)
    {
        using var doc = Open(path);
        var list = new List<NotebookOutput>();
        int index = 0;
        foreach (var cell in Cells(doc, path))
        {
            if (cell.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array)
                foreach (var o in outputs.EnumerateArray())
                {
                    string type = o.TryGetProperty("output_type", out var t) ? t.GetString() ?? "" : "";
                    switch (type)
                    {
                        case "stream":
                            list.Add(new NotebookOutput(index, "stream", Text(o, "text")));
                            break;
                        case "error":
                            list.Add(new NotebookOutput(index, "error", $"{Text(o, "ename")}: {Text(o, "evalue")}"));
                            break;
                        default:
                            if (o.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
                                foreach (var mime in data.EnumerateObject())
                                    list.Add(new NotebookOutput(index, mime.Name, JoinText(mime.Value)));
                            break;
                    }
                }
            index++;
        }
        return list;
    }

    /// <summary>The first cell with an error output, or null when every cell ran cleanly.</summary>
    public static NotebookError? FirstError(string path)
    {
        using var doc = Open(path);
        int index = 0;
        foreach (var cell in Cells(doc, path))
        {
            if (cell.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array)
                foreach (var o in outputs.EnumerateArray())
                    if (o.TryGetProperty("output_type", out var t) && t.GetString() == "error")
                        return new NotebookError(index, Text(cell, "source"), Text(o, "ename"), Text(o, "evalue"));
            index++;
        }
        return null;
    }

    private static JsonDocument Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Executed notebook '{path}' was not written (did dotnet-repl start?).", path);
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid notebook JSON: {e.Message}", e); }
    }

    private static IEnumerable<JsonElement> Cells(JsonDocument doc, string path)
    {
        if (!doc.RootElement.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"'{path}' has no \"cells\" array: not an nbformat 4 notebook.");
        return cells.EnumerateArray().Where(c => c.TryGetProperty("cell_type", out var ct) && ct.GetString() == "code");
    }

    private static string Text(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? JoinText(v) : "";

    // nbformat stores multi-line text either as one string or as a list of lines.
    private static string JoinText(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Array => string.Concat(v.EnumerateArray().Select(JoinText)),
        JsonValueKind.Null => "",
        _ => v.GetRawText(),
    };
}
