using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MagvitSeg.Runtime;
using static TorchSharp.torch;

namespace MagvitSeg.Training;

/// <summary>
/// Writes the safetensors format (huggingface/safetensors) laid out as its official writer does: an 8-byte little-endian
/// header length, a JSON header padded with spaces so the tensor data starts at an 8-byte boundary (readers that map the
/// file can then view every tensor in place), and the tensors back to back, largest element size first, then by name.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Writes <paramref name="tensors"/> (any device, any layout) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">A duplicate name, or a dtype safetensors has no name for.</exception>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.Select(t => (t.Name, Dtype: DtypeName(t.Name, t.Value.dtype), t.Value))
            .OrderByDescending(t => t.Value.ElementSize).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        if (items.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new ArgumentException($"safetensors '{path}': tensor name '{dup.Key}' appears twice.");

        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, value) in items)
            {
                long bytes = value.numel() * value.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (long d in value.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - header.Length % 8) % 8);
        for (int i = 0; i < padding; i++) header.WriteByte((byte)' ');

        AtomicFile.Write(path, s =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            s.Write(length);
            header.Position = 0;
            header.CopyTo(s);
            foreach (var (_, _, value) in items)
            {
                using var cpu = value.detach().cpu().contiguous();
                s.Write(cpu.bytes);
            }
        });
    }

    private static string DtypeName(string name, ScalarType type) => type switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"safetensors: tensor '{name}' has dtype {type}, which the format does not name."),
    };
}
