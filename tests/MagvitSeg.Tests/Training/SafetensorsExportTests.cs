using System.Buffers.Binary;
using System.Text.Json;
using MagvitSeg.Config;
using MagvitSeg.Models.Tokenizer;
using MagvitSeg.Tests.Data;
using MagvitSeg.Training;
using static TorchSharp.torch;

namespace MagvitSeg.Tests.Training;

/// <summary>The safetensors export, read back by parsing the bytes as the format's specification defines them.</summary>
public class SafetensorsExportTests
{
    private sealed record Entry(string Name, string Dtype, long[] Shape, long Begin, long End);

    /// <summary>Parses the file by the specification: u64 LE header length, UTF-8 JSON header, then the data.</summary>
    private static (long HeaderLength, List<Entry> Entries, JsonElement Root, byte[] File) Parse(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0, 8));
        var root = JsonDocument.Parse(file.AsMemory(8, (int)n)).RootElement.Clone();
        var entries = root.EnumerateObject().Where(p => p.Name != "__metadata__").Select(p => new Entry(p.Name,
                p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                p.Value.GetProperty("data_offsets")[0].GetInt64(), p.Value.GetProperty("data_offsets")[1].GetInt64()))
            .OrderBy(e => e.Begin).ToList();
        return (n, entries, root, file);
    }

    private static void AssertAlignedAndContiguous(long headerLength, List<Entry> entries, byte[] file)
    {
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal(0, entries[0].Begin);
        for (int i = 1; i < entries.Count; i++) Assert.Equal(entries[i - 1].End, entries[i].Begin);
        Assert.Equal(file.Length, 8 + headerLength + entries[^1].End);
    }

    [Fact]
    public void TokenizerExportIsAlignedContiguousAndHoldsEveryWeightButTheUsageCounts()
    {
        using var tmp = new TempDir();
        using var model = new Magvit3dVqvae(TokenizerProfile.Tiny.Vqvae);
        using (var _ = no_grad())
        {
            using var z = randn(new long[] { 2, 16, 2, 8, 8 });
            model.Quantizer.train();
            model.Quantizer.Forward(z);                          // makes the usage counts non-zero
        }
        Assert.True(model.Quantizer.Usage.sum().item<long>() > 0);
        string path = tmp.File("tokenizer-ema.safetensors");
        TokenizerCheckpoint.ExportSafetensors(model, path);

        var (n, entries, root, file) = Parse(path);
        AssertAlignedAndContiguous(n, entries, file);
        Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.DoesNotContain(entries, e => e.Name.EndsWith(VectorQuantizer.UsageBufferName, StringComparison.Ordinal));

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(parameters.Keys.Order(StringComparer.Ordinal), entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var e in entries)
        {
            var p = parameters[e.Name];
            Assert.Equal("F32", e.Dtype);
            Assert.Equal(p.shape, e.Shape);
            var expected = p.detach().contiguous().data<float>().ToArray();
            var stored = new float[expected.Length];
            Buffer.BlockCopy(file, (int)(8 + n + e.Begin), stored, 0, (int)(e.End - e.Begin));
            Assert.Equal(expected, stored);
        }
    }

    [Fact]
    public void MixedDtypesAreWrittenLargestElementFirstWithTheirBytes()
    {
        using var tmp = new TempDir();
        using var a = tensor(new float[] { 1.5f, -2f, 3f }).reshape(3, 1);
        using var b = tensor(new long[] { 7, -8 });
        using var c = tensor(new float[] { 0.5f }).to_type(ScalarType.Float16);
        string path = tmp.File("mixed.safetensors");
        SafetensorsFile.Write(path, new[] { ("c", c), ("a", a), ("b", b) });

        var (n, entries, _, file) = Parse(path);
        AssertAlignedAndContiguous(n, entries, file);
        Assert.Equal(new[] { ("b", "I64"), ("a", "F32"), ("c", "F16") }, entries.Select(e => (e.Name, e.Dtype)));
        Assert.Equal(new long[] { 3, 1 }, entries[1].Shape);
        long data = 8 + n;
        Assert.Equal(-8L, BitConverter.ToInt64(file, (int)(data + 8)));
        Assert.Equal(-2f, BitConverter.ToSingle(file, (int)(data + 16 + 4)));
        Assert.Equal((ushort)0x3800, BitConverter.ToUInt16(file, (int)(data + 28)));   // 0.5 in IEEE half precision
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(tmp.File("dup.safetensors"), new[] { ("a", a), ("a", b) }));
    }
}
