using System.Globalization;
using System.Text.RegularExpressions;
using MagvitSeg.Config;

namespace MagvitSeg.Models.Tokenizer;

/// <summary>Which naming a tokenizer state file uses.</summary>
public enum StateLayout
{
    /// <summary>Keys name the level: <c>encoder.levels.{i}.blocks.{j}</c>, <c>decoder.levels.{i}.up</c>.</summary>
    Levels,
    /// <summary>
    /// Files written before the levels existed: flat <c>encoder.res.{k}</c>, <c>decoder.res.{k}</c> and <c>decoder.up.{u}</c>,
    /// the decoder's counted from the deepest level.
    /// </summary>
    PreLevels,
}

/// <summary>
/// The map between the two key layouts of <see cref="Magvit3dVqvae"/>'s state (keys of the whole model; a part's own keys
/// are mapped with its prefix, see <see cref="TokenizerStateLoader"/>). Pure functions of the key and the architecture:
/// a flat index only means a level once NumResBlocks and the number of levels are known.
/// </summary>
public static class TokenizerStateKeys
{
    private static readonly Regex PreLevel = new(@"^(?<part>encoder|decoder)\.(?<list>res|up)\.(?<n>\d+)\.(?<rest>.+)$",
        RegexOptions.CultureInvariant);
    private static readonly Regex Level = new(@"^(?<part>encoder|decoder)\.levels\.(?<i>\d+)\.(?:blocks\.(?<j>\d+)|(?<up>up))\.(?<rest>.+)$",
        RegexOptions.CultureInvariant);

    /// <summary>Whether <paramref name="key"/> is a pre-level key (<c>encoder.res.5.conv1.weight</c>).</summary>
    public static bool IsPreLevel(string key) => PreLevel.IsMatch(key);

    /// <summary>
    /// The level-layout name of a pre-level key: <c>encoder.res.{k}</c> is level k / NumResBlocks, block k % NumResBlocks;
    /// <c>decoder.res.{k}</c> counts levels from the deepest; <c>decoder.up.{u}</c> is the up conv of level L - 1 - u.
    /// Any other key, and an index the architecture does not have, comes back unchanged (and so is reported as unexpected).
    /// </summary>
    public static string FromPreLevel(string key, VqvaeConfig config)
    {
        var m = PreLevel.Match(key);
        if (!m.Success) return key;
        int n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        int levels = config.Multipliers.Length, per = config.NumResBlocks;
        string part = m.Groups["part"].Value, rest = m.Groups["rest"].Value;
        switch (part, m.Groups["list"].Value)
        {
            case ("encoder", "res") when per > 0 && n < levels * per:
                return $"encoder.levels.{n / per}.blocks.{n % per}.{rest}";
            case ("decoder", "res") when per > 0 && n < levels * per:
                return $"decoder.levels.{levels - 1 - n / per}.blocks.{n % per}.{rest}";
            case ("decoder", "up") when n < levels - 1:
                return $"decoder.levels.{levels - 1 - n}.up.{rest}";
            default:
                return key;
        }
    }

    /// <summary>The inverse of <see cref="FromPreLevel"/>: the name a level-layout key had before the levels.</summary>
    public static string ToPreLevel(string key, VqvaeConfig config)
    {
        var m = Level.Match(key);
        if (!m.Success) return key;
        int i = int.Parse(m.Groups["i"].Value, CultureInfo.InvariantCulture);
        int levels = config.Multipliers.Length, per = config.NumResBlocks;
        string part = m.Groups["part"].Value, rest = m.Groups["rest"].Value;
        if (m.Groups["up"].Success)
            return part == "decoder" ? $"decoder.up.{levels - 1 - i}.{rest}" : key;
        int j = int.Parse(m.Groups["j"].Value, CultureInfo.InvariantCulture);
        return part == "encoder" ? $"encoder.res.{i * per + j}.{rest}" : $"decoder.res.{(levels - 1 - i) * per + j}.{rest}";
    }
}
