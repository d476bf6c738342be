using MagvitSeg.Study;

namespace MagvitSeg.Tests.Study;

public class CurvesTableTests
{
    /// <summary>
    /// A hand-built result: arms (a) and (b), the linear probe at 12 and 48 images (mIoU, 2 seeds, with the a-b
    /// difference) and the query probe at 48 (AP of (a) only, so no pair).
    /// </summary>
    internal static CurvesResult TwoArms() => new(
        new List<CurvesRow>
        {
            new("a", "linear", 12, 0, 10, double.NaN, 41.5, 1.25),
            new("a", "linear", 12, 1, 10, double.NaN, 43.5, 1.5),
            new("b", "linear", 12, 0, 10, double.NaN, 30, 1),
            new("b", "linear", 12, 1, 10, double.NaN, 32, 1),
            new("a", "linear", 48, 0, 40, double.NaN, 60, 4),
            new("b", "linear", 48, 0, 40, double.NaN, 50, 4),
            new("a", "query", 48, 0, 40, 12.5, 55, 9),
        },
        new List<CurvesLevel>
        {
            new("a", "linear", 12, "mIoU", 42.5, 40, 45, 2),
            new("b", "linear", 12, "mIoU", 31, 28.5, 33.5, 2),
            new("a", "linear", 48, "mIoU", 60, 57, 63, 1),
            new("b", "linear", 48, "mIoU", 50, 47, 53, 1),
            new("a", "query", 48, "AP", 12.5, 10, 15, 1),
        },
        new List<CurvesDifference>
        {
            new("a-b", "linear", 12, "mIoU", 11.5, 8, 15, 2, 200),
            new("a-b", "linear", 48, "mIoU", 10, 6.5, 13.5, 1, 200),
        });

    [Fact]
    public void CurvesJsonReadsBackTheRunsLevelsAndDifferencesItWasWrittenFrom()
    {
        string dir = StudyFiguresTests.Temp();
        try
        {
            var written = TwoArms();
            CurvesTable.Write(dir, written, new { note = "hand-built" });
            var read = CurvesTable.ReadJson(Path.Combine(dir, "curves.json"));
            // Records with arrays compare by reference, so field by field: the semantic probes' AP stays NaN.
            Assert.Equal(written.Rows, read.Rows);
            Assert.True(double.IsNaN(read.Rows[0].AP));
            Assert.Equal(12.5, read.Rows[^1].AP);
            Assert.Equal(written.Levels, read.Levels);
            Assert.Equal(written.Differences, read.Differences);
            // The figures drawn from what was read: one panel per probe and metric, a forest only where a pair exists.
            var panels = CurvesFigures.Panels(read);
            Assert.Equal(new[] { "linear-mIoU", "query-AP" }, panels.Select(p => p.Key));
            Assert.NotNull(panels[0].Forest);
            Assert.Null(panels[1].Forest);
            var band = (MagvitSeg.Viz.LineTrace)panels[0].Curves.Traces.Single(t => t.Name == "(b)");
            Assert.Equal(new[] { 12.0, 48.0 }, band.X);
            Assert.Equal(new[] { 28.5, 47.0 }, band.Low);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AMissingOrDamagedCurvesJsonNamesTheFileTheFieldAndTheFix()
    {
        string dir = StudyFiguresTests.Temp();
        try
        {
            string path = Path.Combine(dir, "curves.json");
            var missing = Assert.Throws<FileNotFoundException>(() => CurvesTable.ReadJson(path));
            Assert.Contains(path, missing.Message);
            Assert.Contains("magvitseg curves", missing.Message);

            File.WriteAllText(path, "{\"runs\": [], \"levels\": []}");
            var noField = Assert.Throws<InvalidDataException>(() => CurvesTable.ReadJson(path));
            Assert.Contains($"'{path}': field 'differences' is missing", noField.Message);

            File.WriteAllText(path, "{\"runs\": [], \"levels\": [{\"Arm\": \"a\", \"TrainImages\": \"many\"}], \"differences\": []}");
            var badValue = Assert.Throws<InvalidDataException>(() => CurvesTable.ReadJson(path));
            Assert.Contains("field 'levels'", badValue.Message);
            Assert.Contains("TrainImages", badValue.Message);

            File.WriteAllText(path, "{\"runs\": [");
            Assert.Contains("is not valid JSON", Assert.Throws<InvalidDataException>(() => CurvesTable.ReadJson(path)).Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
