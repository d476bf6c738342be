using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MagvitSeg.Cli;

/// <summary>
/// Option factories that parse and validate inside the option's definition, so a bad value is a usage error (exit 2)
/// before any work starts, in one line naming the option, the value and what it expects. Options whose absence means
/// "the profile's value" are nullable (null: not given); options with a fixed default show it in the help.
/// </summary>
internal static class Opt
{
    /// <summary>An integer that overrides a profile's value; null when not given.</summary>
    public static Option<int?> Int(string name, string description, Bound bound) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => Number(r, bound, "an integer", ParseInt) is { } v ? (int)v : null };

    /// <summary>An integer with a default (shown in the help).</summary>
    public static Option<int> Int(string name, string description, Bound bound, int defaultValue) =>
        new(name) { Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue, CustomParser = r => (int)(Number(r, bound, "an integer", ParseInt) ?? defaultValue) };

    /// <summary>A finite number that overrides a profile's value; null when not given.</summary>
    public static Option<double?> Double(string name, string description, Bound bound) =>
        new(name) { Description = description, HelpName = "X", CustomParser = r => Number(r, bound, "a finite number", ParseDouble) };

    /// <summary>A finite number with a default (shown in the help).</summary>
    public static Option<double> Double(string name, string description, Bound bound, double defaultValue) =>
        new(name) { Description = description, HelpName = "X", DefaultValueFactory = _ => defaultValue, CustomParser = r => Number(r, bound, "a finite number", ParseDouble) ?? defaultValue };

    /// <summary>A string option; null when not given unless <paramref name="defaultValue"/> is set.</summary>
    public static Option<string?> Text(string name, string description, string helpName, string? defaultValue = null)
    {
        var o = new Option<string?>(name) { Description = description, HelpName = helpName };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return o;
    }

    /// <summary>A required string option (a missing one is a usage error naming it).</summary>
    public static Option<string> Required(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    /// <summary>One of a fixed set of words (case-sensitive, as the verbs compare them); null when not given and no default.</summary>
    public static Option<string?> Choice(string name, string description, string? defaultValue, params string[] values)
    {
        var o = Text(name, description, string.Join('|', values), defaultValue);
        o.CompletionSources.Add(values);
        o.Validators.Add(r =>
        {
            string? v = r.Tokens.Count == 1 ? r.Tokens[0].Value : null;
            if (v is not null && !values.Contains(v, StringComparer.Ordinal))
                r.AddError($"{r.Option.Name} '{v}': expected {Alternatives(values)}.");
        });
        return o;
    }

    /// <summary>
    /// A name checked against a list the library owns (profiles, variants, selections): <paramref name="check"/> throws
    /// <see cref="ArgumentException"/> with the library's message (which lists the known names) for an unknown one.
    /// The list is read only when the option is given or completed, so start-up does not load it.
    /// </summary>
    public static Option<string?> Named(string name, string description, string helpName, Func<IEnumerable<string>> known, Action<string> check,
                                        string? defaultValue = null)
    {
        var o = Text(name, description, helpName, defaultValue);
        o.CompletionSources.Add(_ => known().Select(k => new System.CommandLine.Completions.CompletionItem(k)));
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count != 1) return;
            try { check(r.Tokens[0].Value); }
            catch (ArgumentException e) { r.AddError($"{r.Option.Name} '{r.Tokens[0].Value}': {e.Message}"); }
        });
        return o;
    }

    /// <summary>A comma-separated list (e.g. <c>--seeds 0,1,2</c>), each item parsed by <paramref name="parse"/> (null: not valid).</summary>
    public static Option<T[]?> List<T>(string name, string description, string helpName, string expected, Func<string, T?> parse) where T : struct =>
        new(name)
        {
            Description = description, HelpName = helpName,
            CustomParser = r =>
            {
                if (Single(r) is not { } token) return null;
                var items = new List<T>();
                foreach (string part in token.Split(','))
                {
                    if (parse(part.Trim()) is not { } item) { r.AddError($"{OptionName(r)} '{token}': '{part}' is not {expected}."); return null; }
                    items.Add(item);
                }
                return items.ToArray();
            },
        };

    /// <summary>A list option's value; null when not given (System.CommandLine's own default is an empty array, which would mean "none").</summary>
    public static T[]? GetList<T>(this ParseResult p, Option<T[]?> option) where T : struct =>
        p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : null;

    /// <summary>A bare switch (<c>--json</c>; <c>--json false</c> also reads).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>Adds options and arguments to a verb, in the order its help lists them.</summary>
    public static void AddAll(this Command command, params Symbol[] symbols)
    {
        foreach (var s in symbols)
        {
            if (s is Option o) command.Options.Add(o);
            else if (s is Argument a) command.Arguments.Add(a);
            else throw new ArgumentException($"{s.Name}: only options and arguments are added to a verb.");
        }
    }

    /// <summary>"a, b or c".</summary>
    public static string Alternatives(IReadOnlyList<string> values) =>
        values.Count == 1 ? values[0] : string.Join(", ", values.Take(values.Count - 1)) + " or " + values[^1];

    public static int? ParseNonNegativeInt(string s) => ParseInt(s) is { } v && v >= 0 ? (int)v : null;

    private static double? ParseInt(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v is >= int.MinValue and <= int.MaxValue ? v : null;

    private static double? ParseDouble(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

    private static double? Number(ArgumentResult r, Bound bound, string kind, Func<string, double?> parse)
    {
        if (Single(r) is not { } token) return null;
        if (parse(token) is { } v && bound.Contains(v)) return v;
        r.AddError($"{OptionName(r)} {token}: expected {bound.Describe(kind)}.");
        return null;
    }

    private static string? Single(ArgumentResult r)
    {
        if (r.Tokens.Count == 1) return r.Tokens[0].Value;
        r.AddError($"{OptionName(r)} needs one value.");
        return null;
    }

    private static string OptionName(ArgumentResult r) => (r.Parent as OptionResult)?.Option.Name ?? r.Argument.Name;
}

/// <summary>The accepted range of a numeric option; <see cref="Describe"/> says it in words for the error line.</summary>
internal readonly record struct Bound(double Min, bool MinInclusive, double Max, bool MaxInclusive)
{
    public static Bound Any { get; } = new(double.NegativeInfinity, true, double.PositiveInfinity, true);

    /// <summary>At least <paramref name="min"/> (counts: 1; sizes that may be off: 0).</summary>
    public static Bound AtLeast(double min) => new(min, true, double.PositiveInfinity, true);

    /// <summary>Strictly above <paramref name="min"/> (learning rates, weights: above 0).</summary>
    public static Bound Above(double min) => new(min, false, double.PositiveInfinity, true);

    /// <summary>From <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static Bound Between(double min, double max) => new(min, true, max, true);

    public bool Contains(double v) =>
        (MinInclusive ? v >= Min : v > Min) && (MaxInclusive ? v <= Max : v < Max);

    public string Describe(string kind)
    {
        static string F(double x) => x.ToString("G", CultureInfo.InvariantCulture);
        bool low = !double.IsNegativeInfinity(Min), high = !double.IsPositiveInfinity(Max);
        if (low && high)
            return MinInclusive && MaxInclusive ? $"{kind} from {F(Min)} to {F(Max)}" : $"{kind} in {(MinInclusive ? "[" : "(")}{F(Min)}, {F(Max)}{(MaxInclusive ? "]" : ")")}";
        if (low) return $"{kind} {(MinInclusive ? ">=" : ">")} {F(Min)}";
        if (high) return $"{kind} {(MaxInclusive ? "<=" : "<")} {F(Max)}";
        return kind;
    }
}
