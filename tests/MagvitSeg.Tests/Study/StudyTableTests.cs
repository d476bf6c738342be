using MagvitSeg.Study;

namespace MagvitSeg.Tests.Study;

public class StudyTableTests
{
    private static StudyRow Row(string v, int seed, double ap, double miou = 50) =>
        new(v, "desc of " + v + ", \"quoted\"", seed, ap, ap + 10, ap - 5, double.NaN, ap, ap, miou, ap + 3, 12.5);

    [Fact]
    public void SummaryIsMeanAndSampleStdPerVariant()
    {
        var rows = new[] { Row("a", 0, 40), Row("a", 1, 44), Row("a", 2, 48), Row("b", 0, 10) };
        var s = StudyTable.Summarise(rows);
        Assert.Equal(new[] { "a", "b" }, s.Select(x => x.Variant));
        Assert.Equal(44, s[0].AP, 9);
        Assert.Equal(4, s[0].APStd, 9);          // sqrt(((-4)^2 + 0 + 4^2) / 2) = 4
        Assert.Equal(0, s[1].APStd);             // one seed
        Assert.True(double.IsNaN(s[0].APs));     // undefined everywhere stays undefined, never 0
    }

    [Fact]
    public void CsvRoundTripsIncludingNanAndQuotes()
    {
        string dir = Path.Combine(Path.GetTempPath(), "magvitseg-study-" + Guid.NewGuid().ToString("N"));
        var rows = new[] { Row("a", 0, 40.25), Row("b", 1, 10) };
        StudyTable.Write(dir, rows);
        var back = StudyTable.ReadCsv(Path.Combine(dir, "study.csv"));
        Assert.Equal(rows.Length, back.Count);
        Assert.Equal(40.25, back[0].AP);
        Assert.Equal(43.25, back[0].APAgnostic);
        Assert.Equal(12.5, back[0].TrainSeconds);
        Assert.True(double.IsNaN(back[0].APs));
        Assert.Equal(rows[0].Description, back[0].Description);
        Assert.Contains("\"AP_std\"", File.ReadAllText(Path.Combine(dir, "study.json")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void AForeignCsvIsRejectedWithItsName()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "x,y\n1,2\n");
        var ex = Assert.Throws<InvalidDataException>(() => StudyTable.ReadCsv(path));
        Assert.Contains(path, ex.Message);
        File.Delete(path);
    }
}
