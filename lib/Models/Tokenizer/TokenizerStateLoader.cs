using MagvitSeg.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>What <see cref="TokenizerStateLoader.Load"/> read: the layout and the keys (level names) in file order.</summary>
/// <param name="Layout">The naming the file used.</param>
/// <param name="Keys">Every key of the file, mapped to the level layout, in the order the file lists them.</param>
public sealed record LoadedState(StateLayout Layout, IReadOnlyList<string> Keys);

/// <summary>
/// Reads TorchSharp's module state format (what <c>nn.Module.save</c> writes) into a tokenizer or one of its parts,
/// accepting both key layouts (<see cref="StateLayout"/>): checkpoints and encoder.pt files written before the levels
/// existed keep loading, with the same weights in the same places. A file that fits neither layout is refused with the
/// file's name and the first unexpected or missing key.
/// </summary>
public static class TokenizerStateLoader
{
    /// <summary>Loads the state in <paramref name="reader"/> into <paramref name="target"/>, copying into its tensors in place.</summary>
    /// <param name="target">The model or part to fill (on any device; tensors are copied, so optimisers keep their references).</param>
    /// <param name="scope">The target's prefix in the whole model's keys: "" for <see cref="Magvit3dVqvae"/>, "encoder", "decoder".</param>
    /// <param name="config">The architecture, which gives pre-level indices their level.</param>
    /// <param name="reader">Positioned at the state (entry count, then key and tensor pairs).</param>
    /// <param name="strict">Refuse unexpected and missing keys (TorchSharp's meaning).</param>
    /// <param name="skip">Keys (either layout) to read past without loading.</param>
    /// <param name="loadedParameters">When given, receives each file key and whether the target had it.</param>
    /// <exception cref="InvalidDataException">The file's keys or shapes do not fit the target; the message names the file and the key.</exception>
    public static LoadedState Load(nn.Module target, string scope, VqvaeConfig config, BinaryReader reader, bool strict = true,
        IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        string source = reader.BaseStream is FileStream fs ? $"'{fs.Name}'" : "the state stream";
        string prefix = scope.Length == 0 ? "" : scope + ".";
        var state = target.state_dict();
        long entries = ReadCount(reader);
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? firstPreLevel = null, firstLevel = null;
        using var _ = no_grad();
        // One tensor at a time: a MAGVIT-L state is 0.6 GB, and a model on the GPU is filled in place.
        for (long e = 0; e < entries; e++)
        {
            string key = reader.ReadString();
            bool preLevel = TokenizerStateKeys.IsPreLevel(prefix + key);
            string mapped = preLevel ? TokenizerStateKeys.FromPreLevel(prefix + key, config)[prefix.Length..] : key;
            if (preLevel) firstPreLevel ??= key;
            else if ((prefix + key).Contains(".levels.", StringComparison.Ordinal)) firstLevel ??= key;
            if (firstPreLevel is not null && firstLevel is not null)
                throw new InvalidDataException($"Tokenizer state {source} mixes the pre-level key '{firstPreLevel}' with the level key '{firstLevel}'; " +
                                               "a MagvitSeg file uses one layout or the other, so this one was not written by MagvitSeg.");
            bool found = state.TryGetValue(mapped, out var dst);
            loadedParameters?.Add(key, found);
            bool skipped = skip is not null && (skip.Contains(key) || skip.Contains(mapped));
            using var value = TensorExtensionMethods.Load(reader, skip: skipped || !found);
            keys.Add(mapped);
            if (!found)
            {
                if (!strict) continue;
                string shown = preLevel ? $"'{key}' (a pre-level key, read as '{mapped}')" : $"'{key}'";
                throw new InvalidDataException($"Tokenizer state {source}: unexpected key {shown}; this model has no such tensor. The file was " +
                                               "written for another architecture or part of the model; load it with the profile it was trained with.");
            }
            if (!seen.Add(mapped))
                throw new InvalidDataException($"Tokenizer state {source}: '{mapped}' appears twice; the file was not written by MagvitSeg.");
            if (skipped) continue;
            if (!value.shape.SequenceEqual(dst!.shape) || value.dtype != dst.dtype)
                throw new InvalidDataException($"Tokenizer state {source}: '{key}' is {value.dtype} [{string.Join(", ", value.shape)}] in the file but " +
                                               $"{dst.dtype} [{string.Join(", ", dst.shape)}] in this model as '{mapped}'; load it with the profile it was trained with.");
            dst.copy_(value);
        }
        if (strict && state.Keys.FirstOrDefault(k => !seen.Contains(k)) is { } missing)
            throw new InvalidDataException($"Tokenizer state {source}: missing key '{missing}' ({keys.Count} keys read" +
                                           (firstPreLevel is null ? "" : ", pre-level keys mapped") + "); the file was written for another architecture; " +
                                           "load it with the profile it was trained with.");
        return new LoadedState(firstPreLevel is null ? StateLayout.Levels : StateLayout.PreLevels, keys);
    }

    // TorchSharp writes the entry count as unsigned LEB128 (7 bits a byte, low first); its decoder is internal.
    private static long ReadCount(BinaryReader reader)
    {
        long count = 0;
        for (int shift = 0; ; shift += 7)
        {
            long b = reader.ReadByte();
            count |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return count;
            if (shift > 56) throw new InvalidDataException("Tokenizer state: the entry count is not a LEB128 number; the file is not a TorchSharp module state.");
        }
    }
}
