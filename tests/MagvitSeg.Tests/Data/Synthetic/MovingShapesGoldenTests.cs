using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MagvitSeg.Data.Synthetic;

namespace MagvitSeg.Tests.Data.Synthetic;

/// <summary>
/// Pins MovingShapes' exact output: the hashes were computed with the renderer before it was optimised, so any speed
/// work that changes a single pixel or mask label fails here (training curves and exported stills depend on it).
/// </summary>
public class MovingShapesGoldenTests
{
    // 48 clips per config (about 150 objects): every category, pattern and background kind occurs.
    [Theory]
    [InlineData(64, 16, 0L, true, "784F8973BF0A5AABFB515836FE2DCB509A94683C3134CA9A65C6CB77AF0E444A")]
    [InlineData(32, 8, 5L, true, "E282CB52FECE2AF13BF2366789546260D0DBD1B2E737D5205CC16267616B92BA")]
    [InlineData(48, 4, 123L, false, "42EDDFFB53296A8F13ABA3B6A30A2DFC3F29D725AAF359D1B378180FB67B098C")]
    public void RenderedClipsAreByteIdenticalToTheReference(int size, int frames, long seed, bool pan, string expected)
    {
        var gen = new MovingShapes(new MovingShapesConfig { Size = size, Frames = frames, Seed = seed, Pan = pan });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < 48; i++)
        {
            var c = gen.Render(i, (MovingShapesSplit)(i % 4));
            sha.AppendData(MemoryMarshal.AsBytes(c.Pixels.AsSpan()));
            sha.AppendData(c.Instances);
            sha.AppendData(MemoryMarshal.AsBytes(c.ObjectCategories.AsSpan()));
        }
        // A partial render (frames from the middle) and the batch path must agree with the same reference.
        var part = gen.Render(7, MovingShapesSplit.Train, frames / 2, frames - frames / 2);
        sha.AppendData(MemoryMarshal.AsBytes(part.Pixels.AsSpan()));
        sha.AppendData(part.Instances);
        using (var batch = gen.Batch(3, 2))
            sha.AppendData(MemoryMarshal.AsBytes(batch.data<float>().ToArray().AsSpan()));
        Assert.Equal(expected, Convert.ToHexString(sha.GetHashAndReset()));
    }
}
