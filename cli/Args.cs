using System.Globalization;

namespace MagvitSeg.Cli;

/// <summary>A usage error: printed as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>
/// <c>--key value</c>, <c>--key=value</c> and bare <c>--flag</c> options. Every verb declares what it reads;
/// <see cref="EnsureAllUsed"/> rejects anything left over, so a typo never silently becomes a default.
/// </summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = new();

    public static Args Parse(string[] argv)
    {
        var a = new Args();
        for (int i = 0; i < argv.Length; i++)
        {
            string s = argv[i];
            if (!s.StartsWith("--", StringComparison.Ordinal)) { a.Positional.Add(s); continue; }
            string key = s[2..];
            string? value = null;
            int eq = key.IndexOf('=');
            if (eq >= 0) { value = key[(eq + 1)..]; key = key[..eq]; }
            else if (i + 1 < argv.Length && !argv[i + 1].StartsWith("--", StringComparison.Ordinal)) value = argv[++i];
            if (a._values.ContainsKey(key)) throw new CliException($"option --{key} given twice");
            a._values[key] = value;
        }
        return a;
    }

    public bool Has(string key) { _used.Add(key); return _values.ContainsKey(key); }

    public bool Flag(string key)
    {
        _used.Add(key);
        if (!_values.TryGetValue(key, out var v)) return false;
        return v is null || v is "true" or "1" or "yes";
    }

    public string? Get(string key)
    {
        _used.Add(key);
        return _values.TryGetValue(key, out var v) ? v ?? throw new CliException($"option --{key} needs a value") : null;
    }

    public string Require(string key) => Get(key) ?? throw new CliException($"missing required option --{key}");

    public string Get(string key, string fallback) => Get(key) ?? fallback;

    public int GetInt(string key, int fallback)
    {
        string? v = Get(key);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r)
            ? r : throw new CliException($"--{key} expects an integer, got '{v}'");
    }

    public double GetDouble(string key, double fallback)
    {
        string? v = Get(key);
        if (v is null) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r)
            ? r : throw new CliException($"--{key} expects a number, got '{v}'");
    }

    /// <summary>Options the verb did not read are typos or misplaced: say so instead of ignoring them.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CliException("unknown option(s): " + string.Join(", ", unknown.Select(k => "--" + k)));
    }

    /// <summary>All options as given, for writing a run's config next to its outputs.</summary>
    public IReadOnlyDictionary<string, string?> All => _values;
}
