using System.Runtime.InteropServices;
using System.Text;
using MagvitSeg.Data.Coco;

namespace MagvitSeg.Tests.Data.Coco;

public class CocoJsonTests
{
    private const string Gt = """
    {"images":[{"id":1,"width":4,"height":3,"file_name":"a.jpg"}],
     "categories":[{"id":7,"name":"cat"}],
     "annotations":[{"id":5,"image_id":1,"category_id":7,"area":4,"bbox":[0,0,2,2],"iscrowd":0,
                     "segmentation":[[0,0,2,0,2,2,0,2]]}]}
    """;

    private static CocoDataset Ground() => CocoJson.ParseInstances(Encoding.UTF8.GetBytes(Gt), "gt.json");

    private static InvalidDataException GtError(string json) =>
        Assert.Throws<InvalidDataException>(() => CocoJson.ParseInstances(Encoding.UTF8.GetBytes(json), "bad.json"));

    private static InvalidDataException DtError(string json) =>
        Assert.Throws<InvalidDataException>(() => CocoJson.ParseResults(Encoding.UTF8.GetBytes(json), "dt.json", Ground()));

    [Fact]
    public void ReadsAllSegmentationForms()
    {
        var gt = Ground();
        Assert.Single(gt.Annotations);
        Assert.Equal(SegmentationKind.Polygons, gt.Annotations[0].Segmentation!.Kind);
        Assert.Equal("cat", gt.CategoryById[7].Name);
        var dets = CocoJson.ParseResults(Encoding.UTF8.GetBytes("""
            [{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[3,4],"counts":"11116"}},
             {"image_id":1,"category_id":7,"score":0.5,"segmentation":{"size":[3,4],"counts":[2,3,7]}}]
            """), "dt.json", gt);
        // segm branch (no bbox on the first): area = mask pixels, bbox = mask extent, ids 1..N
        Assert.Equal(new long[] { 1, 2 }, dets.Select(d => d.Id));
        Assert.Equal(new double[] { 3, 3 }, dets.Select(d => d.Area));
        Assert.Equal(new double[] { 0, 0, 2, 2 }, dets[0].Bbox);
    }

    [Fact]
    public void TheFirstDetectionChoosesTheBoxBranch()
    {
        var dets = CocoJson.ParseResults(Encoding.UTF8.GetBytes("""
            [{"image_id":1,"category_id":7,"score":0.9,"bbox":[0,0,2,1.5],"segmentation":{"size":[3,4],"counts":"11116"}},
             {"image_id":1,"category_id":7,"score":0.5,"bbox":[1,1,1,1]}]
            """), "dt.json", Ground());
        Assert.Equal(3.0, dets[0].Area);                                     // bbox w*h, not the 3-pixel mask... both 3 here
        Assert.Equal(1.0, dets[1].Area);
        Assert.Equal(SegmentationKind.Polygons, dets[1].Segmentation!.Kind); // box turned into a polygon
        Assert.Equal(new[] { 1.0, 1, 1, 2, 2, 2, 2, 1 }, dets[1].Segmentation!.Polygons![0]);
    }

    [Fact]
    public void MissingFieldsNameTheRecord()
    {
        var e = GtError("""{"images":[{"id":1,"width":4,"height":3}],"categories":[],"annotations":[{"id":9,"image_id":1,"area":1}]}""");
        Assert.Contains("bad.json", e.Message);
        Assert.Contains("annotations[0] (id 9)", e.Message);
        Assert.Contains("category_id", e.Message);
        Assert.Contains("'width' and 'height'", GtError("""{"images":[{"id":1}]}""").Message);
    }

    [Fact]
    public void NegativeSizesAndShortPolygonsAreRejected()
    {
        Assert.Contains("images[0] (id 1): 'width' is -4; expected a non-negative integer", GtError("""{"images":[{"id":1,"width":-4,"height":3}]}""").Message);
        var e = GtError("""{"images":[{"id":1,"width":4,"height":3}],"annotations":[{"id":3,"image_id":1,"category_id":1,"area":1,"segmentation":[[0,0,1,1]]}]}""");
        Assert.Contains("annotations[0] (id 3)", e.Message);
        Assert.Contains("at least 3", e.Message);
    }

    [Fact]
    public void RleWhoseCountsDoNotCoverTheImageIsRejected()
    {
        var e = GtError("""{"images":[{"id":1,"width":4,"height":3}],"annotations":[{"id":3,"image_id":1,"category_id":1,"area":1,"iscrowd":1,"segmentation":{"size":[3,4],"counts":[2,3]}}]}""");
        Assert.Contains("sum to 5", e.Message);
        Assert.Contains("needs 12", e.Message);
        Assert.Contains("sum to 2", DtError("""[{"image_id":1,"category_id":7,"score":1,"segmentation":{"size":[3,4],"counts":"11"}}]""").Message);
    }

    [Fact]
    public void AnnotationOfAMissingImageIsRejected()
    {
        var e = GtError("""{"images":[{"id":1,"width":4,"height":3}],"annotations":[{"id":3,"image_id":2,"category_id":1,"area":1}]}""");
        Assert.Contains("image_id 2", e.Message);
    }

    [Fact]
    public void ResultsWithUnknownIdsOrBadScoresAreRejected()
    {
        Assert.Contains("results[0] has image_id 99", DtError("""[{"image_id":99,"category_id":7,"score":1,"bbox":[0,0,1,1]}]""").Message);
        Assert.Contains("results[1] has category_id 3", DtError("""[{"image_id":1,"category_id":7,"score":1,"bbox":[0,0,1,1]},{"image_id":1,"category_id":3,"score":1,"bbox":[0,0,1,1]}]""").Message);
        Assert.Contains("results[0]: 'score' is the string \"NaN\"; expected a finite number", DtError("""[{"image_id":1,"category_id":7,"score":"NaN","bbox":[0,0,1,1]}]""").Message);
        Assert.Contains("no 'score'", DtError("""[{"image_id":1,"category_id":7,"bbox":[0,0,1,1]}]""").Message);
        Assert.Contains("results[1] has no 4-number 'bbox'", DtError("""[{"image_id":1,"category_id":7,"score":1,"bbox":[0,0,1,1]},{"image_id":1,"category_id":7,"score":1,"segmentation":{"size":[3,4],"counts":"11116"}}]""").Message);
    }

    [Fact]
    public void TruncatedJsonIsReportedAsSuch()
    {
        var e = GtError("""{"images":[{"id":1,"width":4""");
        Assert.Contains("bad.json", e.Message);
    }

    [Fact]
    public void AByteOrderMarkIsSkipped()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Gt)).ToArray();
        var gt = CocoJson.ParseInstances(bytes, "gt.json");
        Assert.Equal(5, gt.Annotations[0].Id);
        var dets = CocoJson.ParseResults(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("""[{"image_id":1,"category_id":7,"score":0.5,"bbox":[0,0,1,1]}]""")).ToArray(), "dt.json", gt);
        Assert.Single(dets);
    }

    [Fact]
    public void IntegralNumbersAreIdsAsInPythonButFractionsAndHugeOnesAreNot()
    {
        // Python's dict finds image 1 under 1.0, so pycocotools accepts it; 1.5 and 1e30 name no image.
        var dets = CocoJson.ParseResults(Encoding.UTF8.GetBytes("""[{"image_id":1.0,"category_id":7e0,"score":0.5,"bbox":[0,0,1,1]}]"""), "dt.json", Ground());
        Assert.Equal(1, dets[0].ImageId);
        Assert.Equal(7, dets[0].CategoryId);
        Assert.Equal("dt.json: results[0]: 'image_id' is 1.5; expected an integer id.", DtError("""[{"image_id":1.5,"category_id":7,"score":1}]""").Message);
        Assert.Equal("dt.json: results[0]: 'image_id' is 1e30; expected an integer id.", DtError("""[{"image_id":1e30,"category_id":7,"score":1}]""").Message);
        Assert.Equal("dt.json: results[0]: 'category_id' is null; expected an integer id.", DtError("""[{"image_id":1,"category_id":null,"score":1}]""").Message);
        Assert.Equal("bad.json: annotations[0] (id 9): 'image_id' is the string \"1\"; expected an integer id.",
            GtError("""{"images":[{"id":1,"width":4,"height":3}],"annotations":[{"id":9,"image_id":"1"}]}""").Message);
    }

    [Fact]
    public void SyntaxErrorsGiveLineColumnAndRecord()
    {
        var e = DtError("[{\"image_id\":1,\"category_id\":7,\"score\":0.5,\"bbox\":[0,0,1,1]},\n {\"image_id\":1,\"score\":NaN}]");
        Assert.StartsWith("dt.json: not valid JSON at line 2, column 24, inside results[1]:", e.Message);
        Assert.Contains("NaN and Infinity are not JSON numbers", e.Message);
        var t = DtError("[{\"image_id\":1,\"category_id\":7,\n\"score\":0.5");
        Assert.Contains("results[0]", t.Message);
        Assert.Contains("line 2", t.Message);
        Assert.DoesNotContain("NaN", t.Message);
    }

    [Fact]
    public void AnRleOfAnotherSizeThanItsImageIsRejected()
    {
        // 2x6 has the image's 12 pixels, so only the size check can catch it.
        var e = GtError("""{"images":[{"id":1,"width":4,"height":3}],"categories":[{"id":1}],"annotations":[{"id":3,"image_id":1,"category_id":1,"area":3,"iscrowd":1,"segmentation":{"size":[2,6],"counts":[1,1,1,2,7]}}]}""");
        Assert.Equal("bad.json: annotations[0] (id 3): 'segmentation.size' is [2, 6], but image 1 is 3 high and 4 wide; expected [3, 4].", e.Message);
        var d = DtError("""[{"image_id":1,"category_id":7,"score":1,"segmentation":{"size":[2,6],"counts":"11116"}}]""");
        Assert.Equal("dt.json: results[0]: 'segmentation.size' is [2, 6], but image 1 is 3 high and 4 wide; expected [3, 4].", d.Message);
    }

    [Fact]
    public void ResultsRoundTripThroughTheWriter()
    {
        var gt = Ground();
        var rle = Rle.EncodeRowMajor(new byte[] { 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0 }, 3, 4);
        var det = new CocoAnnotation { ImageId = 1, CategoryId = 7, Score = 0.75, Segmentation = CocoSegmentation.FromRle(rle) };
        string path = Path.Combine(Path.GetTempPath(), $"magvitseg-res-{Guid.NewGuid():N}.json");
        CocoJson.WriteResults(path, new[] { det });
        var back = CocoJson.ReadResults(path, gt);
        Assert.Equal(4, back[0].Area);
        Assert.Equal(rle.Counts, back[0].Segmentation!.ToRle(3, 4).Counts);
        File.Delete(path);
    }

    [Fact]
    public void EscapedAndPlainCompressedCountsReadAlike()
    {
        // Runs [44, 12, 48] of a 1x104 image compress to \1<`1 by hand (rleToString, 5 bits a character plus 48, 0x20 =
        // more follows, 0x10 of the last = sign: 44 -> (12|0x20)+48 = '\' and 1+48 = '1'; 12 -> 12+48 = '<'; 48 -> its low
        // bits 16 carry the sign bit, so (16|0x20)+48 = '`' and '1'). JSON must escape the backslash and may escape the
        // rest (.NET's default writer wrote '<' as \u003C and '`' as \u0060).
        Assert.Equal("\\1<`1", new Rle(1, 104, new uint[] { 44, 12, 48 }).ToCompressedString());
        var gt = CocoJson.ParseInstances(Encoding.UTF8.GetBytes("""{"images":[{"id":1,"width":104,"height":1}],"categories":[{"id":7}],"annotations":[]}"""), "gt.json");
        foreach (var counts in new[] { @"\\1<`1", @"\\1\u003C\u00601", @"\u005C1\u003c\u00601" })
        {
            var json = Encoding.UTF8.GetBytes($$$"""[{"image_id":1,"category_id":7,"score":0.5,"segmentation":{"size":[1,104],"counts":"{{{counts}}}"}}]""");
            var det = CocoJson.ParseResults(json, "dt.json", gt).Single();
            Assert.Equal(new uint[] { 44, 12, 48 }, det.Segmentation!.ToRle(1, 104).Counts);
            Assert.Equal("\\1<`1", det.Segmentation.CountsString);
            Assert.Equal(12, det.Area);
        }
    }

    [Fact]
    public void PlainCompressedCountsPointIntoTheFileRatherThanCopies()
    {
        var json = Encoding.UTF8.GetBytes("""[{"image_id":1,"category_id":7,"score":0.9,"segmentation":{"size":[3,4],"counts":"11116"}}]""");
        var det = CocoJson.ParseResults(json, "dt.json", Ground()).Single();
        Assert.True(MemoryMarshal.TryGetArray(det.Segmentation!.CompressedCounts, out var slice));
        Assert.Same(json, slice.Array);
        Assert.Equal("11116", Encoding.ASCII.GetString(json, slice.Offset, slice.Count));
    }

    [Fact]
    public void TheWriterLeavesTheRleAlphabetUnescapedAsPythonsJsonDoes()
    {
        var gt = CocoJson.ParseInstances(Encoding.UTF8.GetBytes("""{"images":[{"id":1,"width":104,"height":1}],"categories":[{"id":7}],"annotations":[]}"""), "gt.json");
        var det = new CocoAnnotation { ImageId = 1, CategoryId = 7, Score = 0.5, Segmentation = CocoSegmentation.FromRle(new Rle(1, 104, new uint[] { 44, 12, 48 })) };
        string path = Path.Combine(Path.GetTempPath(), $"magvitseg-res-{Guid.NewGuid():N}.json");
        try
        {
            CocoJson.WriteResults(path, new[] { det });
            Assert.Contains(@"""counts"":""\\1<`1""", File.ReadAllText(path));   // json.dumps(r"\1<`1") is "\\1<`1"
            Assert.Equal(new uint[] { 44, 12, 48 }, CocoJson.ReadResults(path, gt).Single().Segmentation!.ToRle(1, 104).Counts);
        }
        finally { File.Delete(path); }
    }
}
