using MagvitSeg.Data.Coco;

namespace MagvitSeg.Tests.Data.Coco;

public class RleTests
{
    // h=3, w=2, row-major:
    //   0 1
    //   1 1
    //   0 0
    // column-major sequence 0,1,0 | 1,1,0 -> runs [1,1,1,2,1]
    private static readonly byte[] RowMajor = { 0, 1, 1, 1, 0, 0 };

    [Fact]
    public void EncodeDecodeFollowColumnMajorRuns()
    {
        var rle = Rle.EncodeRowMajor(RowMajor, 3, 2);
        Assert.Equal(new uint[] { 1, 1, 1, 2, 1 }, rle.Counts);
        Assert.Equal(3, rle.Area());
        Assert.Equal(RowMajor, rle.DecodeRowMajor());
        Assert.Equal(new byte[] { 0, 1, 0, 1, 1, 0 }, rle.Decode());
        Assert.Equal(new uint[] { 1, 1, 1, 2, 1 }, Rle.Encode(rle.Decode(), 3, 2).Counts);
        Assert.Equal(new double[] { 0, 0, 2, 2 }, rle.ToBbox());
    }

    [Theory]
    // hand-encoded with maskApi.c's rleToString rules
    [InlineData(new uint[] { 1, 1, 1, 2, 1 }, "11110")]   // deltas from run i-2 start at the 4th run: 2-1=1, 1-1=0
    [InlineData(new uint[] { 100 }, "T3")]               // 100 = 3*32 + 4: low 5 bits 4 with the 'more' bit (36+48='T'), then 3
    [InlineData(new uint[] { 0, 5, 2, 3 }, "052N")]      // 3-5 = -2: one char, 30+48 = 'N', sign carried by bit 0x10
    public void CompressedStringMatchesHandEncoding(uint[] counts, string expected)
    {
        var rle = new Rle(1, (int)counts.Sum(c => (long)c), counts);
        Assert.Equal(expected, rle.ToCompressedString());
        Assert.Equal(counts, Rle.FromCompressedString(expected, rle.H, rle.W).Counts);
    }

    [Fact]
    public void MergeUnionAndIntersection()
    {
        // a: pixels 1,2 of 6; b: pixels 2,3 (column-major positions)
        var a = new Rle(6, 1, new uint[] { 1, 2, 3 });
        var b = new Rle(6, 1, new uint[] { 2, 2, 2 });
        Assert.Equal(new uint[] { 1, 3, 2 }, Rle.Merge(new[] { a, b }).Counts);
        Assert.Equal(new uint[] { 2, 1, 3 }, Rle.Merge(new[] { a, b }, intersect: true).Counts);
    }

    [Fact]
    public void IouAndCrowdIou()
    {
        var dt = Rle.EncodeRowMajor(RowMajor, 3, 2);                              // 3 pixels
        var gt = Rle.EncodeRowMajor(new byte[] { 0, 0, 1, 0, 0, 1 }, 3, 2);        // 2 pixels, 1 shared
        Assert.Equal(1.0 / 4, Rle.Iou(dt, gt, crowd: false), 12);                 // 1 / (3 + 2 - 1)
        Assert.Equal(1.0 / 3, Rle.Iou(dt, gt, crowd: true), 12);                  // crowd: over the detection's area
        Assert.Equal(-1, Rle.Iou(dt, new Rle(2, 3, new uint[] { 6 }), false));    // sizes differ
        Assert.Equal(25.0 / 175, Rle.BoxIou(new double[] { 0, 0, 10, 10 }, new double[] { 5, 5, 10, 10 }, false), 12);
        Assert.Equal(25.0 / 100, Rle.BoxIou(new double[] { 0, 0, 10, 10 }, new double[] { 5, 5, 10, 10 }, true), 12);
        Assert.Equal(0, Rle.BoxIou(new double[] { 0, 0, 10, 10 }, new double[] { 10, 0, 5, 5 }, false)); // touching edges
    }

    [Fact]
    public void AxisAlignedPolygonCoversItsPixelSquare()
    {
        // COCO convention: polygon [10,10 .. 20,20] covers pixel columns 10..19 and rows 10..19.
        var rle = Rle.FromPolygon(new double[] { 10, 10, 20, 10, 20, 20, 10, 20 }, 30, 30);
        Assert.Equal(100, rle.Area());
        Assert.Equal(new double[] { 10, 10, 10, 10 }, rle.ToBbox());
        var m = rle.DecodeRowMajor();
        Assert.Equal(1, m[10 * 30 + 10]);
        Assert.Equal(1, m[19 * 30 + 19]);
        Assert.Equal(0, m[20 * 30 + 19]);
        Assert.Equal(0, m[10 * 30 + 20]);
    }

    [Fact]
    public void SquarePolygonAreaMatchesPycocotoolsFixture()
    {
        // case1/gt.json annotation 2366040: this polygon's area field (9216 = 96*96) was produced by pycocotools.
        var rle = Rle.FromPolygon(new double[] { 110, 4, 206, 4, 206, 100, 110, 100 }, 563, 299);
        Assert.Equal(9216, rle.Area());
    }

    [Fact]
    public void TwoPolygonsOfOneAnnotationAreUnited()
    {
        var rle = Rle.FromPolygons(new[] { new double[] { 0, 0, 4, 0, 4, 4, 0, 4 }, new double[] { 2, 2, 6, 2, 6, 6, 2, 6 } }, 10, 10);
        Assert.Equal(16 + 16 - 4, rle.Area());
    }
}
