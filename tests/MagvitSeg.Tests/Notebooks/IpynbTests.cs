using MagvitSeg.Cli.Notebooks;


namespace MagvitSeg.Tests.Notebooks;

public class IpynbTests
{
    // Shaped like dotnet-repl's output: code cells with stream, display_data and error outputs, text as line lists.
    private const string Executed = """
    {"cells": [
      {"cell_type": "markdown", "source": ["# title"]},
      {"cell_type": "code", "source": ["Console.WriteLine(1);"], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["1\n"]}]},
      {"cell_type": "code", "source": ["display(x);"], "outputs": [
        {"output_type": "display_data", "data": {"text/html": ["<b>", "x</b>"], "image/png": "iVBORw0KGgo="}, "metadata": {}}]},
      {"cell_type": "code", "source": ["var a = 1;\n", "throw new Exception(\"boom\");"], "outputs": [
        {"output_type": "error", "ename": "Error", "evalue": "System.Exception: boom", "traceback": []}]},
      {"cell_type": "code", "source": ["undefinedName;"], "outputs": [
        {"output_type": "error", "ename": "Error", "evalue": "CS0103", "traceback": []}]}
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    """;

    [Fact]
    public void FindsTheFirstFailingCodeCell()
    {
        string path = Write(Executed);
        try
        {
            var e = Ipynb.FirstError(path);
            Assert.NotNull(e);
            Assert.Equal(2, e!.CellIndex); // code cells counted from 0; the markdown cell does not count
            Assert.Equal("var a = 1;\nthrow new Exception(\"boom\");", e.CellSource);
            Assert.Equal("System.Exception: boom", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ListsOutputsPerMimeType()
    {
        string path = Write(Executed);
        try
        {
            var outputs = Ipynb.Outputs(path);
            Assert.Contains(outputs, o => o is { CellIndex: 0, Kind: "stream", Text: "1\n" });
            Assert.Contains(outputs, o => o is { CellIndex: 1, Kind: "text/html", Text: "<b>x</b>" });
            Assert.Contains(outputs, o => o is { CellIndex: 1, Kind: "image/png", Text: "iVBORw0KGgo=" });
            Assert.Equal(2, outputs.Count(o => o.Kind == "error"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void CleanNotebookHasNoError()
    {
        string path = Write("""{"cells": [{"cell_type": "code", "source": "1", "outputs": []}], "nbformat": 4}""");
        try { Assert.Null(Ipynb.FirstError(path)); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadFilesSayWhatIsWrong()
    {
        string path = Write("""{"nbformat": 4}""");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Ipynb.FirstError(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
        Assert.Throws<FileNotFoundException>(() => Ipynb.Outputs("/nonexistent/x.ipynb"));
    }

    private static string Write(string json)
    {
        string path = Path.Combine(Path.GetTempPath(), $"magvitseg-ipynb-{Guid.NewGuid():N}.ipynb");
        File.WriteAllText(path, json);
        return path;
    }
}
