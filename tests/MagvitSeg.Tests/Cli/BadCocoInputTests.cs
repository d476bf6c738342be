using MagvitSeg.Tests.Data;

namespace MagvitSeg.Tests.Cli;

/// <summary>
/// COCO files with wrong-typed or inconsistent numbers, through <c>magvitseg eval</c> as a user runs it: exit 1,
/// one line on stderr naming the file, the record and the field, no stack trace, and both files left as they were.
/// </summary>
public class BadCocoInputTests
{
    // One 4-wide, 3-high image, one category 7, one polygon annotation id 5.
    private const string Gt = """{"images":[{"id":1,"width":4,"height":3,"file_name":"a.jpg"}],"categories":[{"id":7,"name":"cat"}],"annotations":[{"id":5,"image_id":1,"category_id":7,"area":4,"bbox":[0,0,2,2],"iscrowd":0,"segmentation":[[0,0,2,0,2,2,0,2]]}]}""";
    private const string Dt = """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,2,2]}]""";

    // (case, the bad file: gt or dt, its text, what the one line must say besides the file name)
    public static TheoryData<string, string, string, string[]> Cases => new()
    {
        { "image_id 1.5", "dt", """[{"image_id":1.5,"category_id":7,"score":0.9,"bbox":[0,0,2,2]}]""", new[] { "results[0]", "'image_id' is 1.5", "expected an integer id" } },
        { "image_id 1e30", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,2,2]},{"image_id":1e30,"category_id":7,"score":0.9,"bbox":[0,0,2,2]}]""", new[] { "results[1]", "'image_id' is 1e30", "expected an integer id" } },
        { "image_id as a string", "dt", """[{"image_id":"1","category_id":7,"score":0.9,"bbox":[0,0,2,2]}]""", new[] { "results[0]", "'image_id' is the string \"1\"", "expected an integer id" } },
        { "category_id null", "dt", """[{"image_id":1,"category_id":null,"score":0.9,"bbox":[0,0,2,2]}]""", new[] { "results[0]", "'category_id' is null", "expected an integer id" } },
        { "image_id missing", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,2,2]},{"category_id":7,"score":0.5,"bbox":[0,0,2,2]}]""", new[] { "results[1]", "no 'image_id'" } },
        { "score missing", "dt", """[{"image_id":1,"category_id":7,"bbox":[0,0,2,2]}]""", new[] { "results[0]", "no 'score'", "finite number" } },
        { "score NaN", "dt", """[{"image_id":1,"category_id":7,"score":NaN,"bbox":[0,0,2,2]}]""", new[] { "not valid JSON at line 1, column 40", "inside results[0]", "NaN and Infinity are not JSON numbers" } },
        { "score -Infinity", "dt", "[\n{\"image_id\":1,\"category_id\":7,\"score\":-Infinity,\"bbox\":[0,0,2,2]}]", new[] { "line 2", "inside results[0]", "NaN and Infinity" } },
        { "score as a string", "dt", """[{"image_id":1,"category_id":7,"score":"0.9","bbox":[0,0,2,2]}]""", new[] { "results[0]", "'score' is the string \"0.9\"", "expected a finite number" } },
        { "score 1e400 overflows", "dt", """[{"image_id":1,"category_id":7,"score":1e400,"bbox":[0,0,2,2]}]""", new[] { "results[0]", "'score' is 1e400", "expected a finite number" } },
        { "RLE size is not the image's", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[2,6],"counts":"11116"}}]""", new[] { "results[0]", "'segmentation.size' is [2, 6]", "expected [3, 4]" } },
        { "truncated results", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0""", new[] { "results[0]", "line 1" } },
        { "results are an object", "dt", Gt, new[] { "must be a JSON list of detections", "an instances file" } },
        { "results are a number", "dt", "5", new[] { "must be a JSON list of detections", "not a list" } },
        { "record is null", "dt", """[null]""", new[] { "results[0] is null", "expected an object" } },
        { "negative bbox width", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,-2,2]}]""", new[] { "results[0]", "'bbox' is [0, 0, -2, 2]", "negative width or height" } },
        { "bbox holds a string", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,"2",2]}]""", new[] { "results[0]", "'bbox[2]' is the string \"2\"", "expected a finite number" } },
        { "bbox of 3 numbers", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,2]}]""", new[] { "results[0]", "'bbox' has 3 numbers", "expected 4" } },
        { "RLE counts a number", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[3,4],"counts":12}}]""", new[] { "results[0]", "'segmentation.counts' is 12" } },
        { "RLE counts bad character", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[3,4],"counts":"11~16"}}]""", new[] { "results[0]", "'segmentation.counts'", "invalid character" } },
        { "RLE counts non-ASCII", "dt", """[{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[3,4],"counts":"11é16"}}]""", new[] { "results[0]", "'segmentation.counts'", "non-ASCII character at 2" } },
        { "GT image id 1.5", "gt", """{"images":[{"id":1.5,"width":4,"height":3}],"categories":[],"annotations":[]}""", new[] { "images[0]", "'id' is 1.5", "expected an integer id" } },
        { "GT width as a string", "gt", """{"images":[{"id":1,"width":"4","height":3}],"categories":[],"annotations":[]}""", new[] { "images[0] (id 1)", "'width' is the string \"4\"", "non-negative integer" } },
        { "GT category_id null", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_id":1,"category_id":null,"area":4}]}""", new[] { "annotations[0] (id 5)", "'category_id' is null" } },
        { "GT area missing", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_id":1,"category_id":7}]}""", new[] { "annotations[0] (id 5)", "no 'area'" } },
        { "GT iscrowd 2", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_id":1,"category_id":7,"area":4,"iscrowd":2}]}""", new[] { "annotations[0] (id 5)", "'iscrowd' is 2", "expected 0 or 1" } },
        { "GT RLE size is not the image's", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_id":1,"category_id":7,"area":3,"iscrowd":1,"segmentation":{"size":[2,6],"counts":[1,1,1,2,7]}}]}""", new[] { "annotations[0] (id 5)", "'segmentation.size' is [2, 6]", "expected [3, 4]" } },
        { "GT truncated", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_""", new[] { "annotations[0] (id 5)", "line 1" } },
        { "GT polygon with a null", "gt", """{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":7}],"annotations":[{"id":5,"image_id":1,"category_id":7,"area":4,"segmentation":[[0,0,2,null,2,2]]}]}""", new[] { "annotations[0] (id 5)", "'segmentation[0][3]' is null" } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EvalNamesTheFileRecordAndField(string name, string badFile, string text, string[] expected)
    {
        using var dir = new TempDir();
        string gt = dir.File("gt.json"), dt = dir.File("dt.json");
        File.WriteAllText(gt, badFile == "gt" ? text : Gt);
        File.WriteAllText(dt, badFile == "dt" ? text : Dt);
        byte[] gtBefore = File.ReadAllBytes(gt), dtBefore = File.ReadAllBytes(dt);

        var (code, _, stderr) = CliRunner.Run("eval", "--gt", gt, "--dt", dt, "--iou-type", "segm");

        Assert.True(code == 1, $"{name}: exit {code}, stderr: {stderr}");
        string line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(badFile == "gt" ? gt : dt, line);
        foreach (string part in expected) Assert.Contains(part, line);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(gtBefore, File.ReadAllBytes(gt));
        Assert.Equal(dtBefore, File.ReadAllBytes(dt));
        Assert.Equal(new[] { "dt.json", "gt.json" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order().ToArray());
    }

    [Fact]
    public void AByteOrderMarkIsAccepted()
    {
        using var dir = new TempDir();
        string gt = dir.File("gt.json"), dt = dir.File("dt.json");
        var bom = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        File.WriteAllText(gt, Gt, bom);
        File.WriteAllText(dt, Dt, bom);
        Assert.Equal(0xEF, File.ReadAllBytes(gt)[0]);

        var (code, stdout, stderr) = CliRunner.Run("eval", "--gt", gt, "--dt", dt, "--iou-type", "bbox");

        Assert.True(code == 0, stderr);
        // One detection exactly on the one GT box: AP 1 at every threshold.
        Assert.Contains("(AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000", stdout);
    }
}
