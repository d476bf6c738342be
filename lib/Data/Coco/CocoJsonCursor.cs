using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MagvitSeg.Data.Coco;

/// <summary>
/// A <see cref="Utf8JsonReader"/> over a COCO file that knows which record it is in, so that every problem, a JSON
/// syntax error included, becomes one line naming the file, the record (index and id), the field and what was
/// expected. Typed readers check each field the way pycocotools would use it (ids are integers, scores finite).
/// </summary>
internal ref struct CocoJsonCursor
{
    // Ids arrive as JSON numbers; Python's dict lookups accept 1.0 for 1, so integral values are ids too, up to the
    // largest integer a double holds exactly.
    private const double MaxExactInteger = 9007199254740992;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private readonly ReadOnlySpan<byte> _json;
    private readonly ReadOnlyMemory<byte> _file;
    private Utf8JsonReader _r;
    // Where escaped strings are unescaped to (CurrentUtf8): chunks of up to 1 MB shared by the records, not one array each.
    private byte[]? _chunk;
    private int _chunkUsed;
    private string? _list;
    private int _index;
    private long? _id;

    /// <summary>The file name used in messages.</summary>
    public string Source { get; }

    public CocoJsonCursor(ReadOnlyMemory<byte> json, string source)
    {
        // A UTF-8 byte-order mark (Windows editors write one) carries no content: accept it.
        if (json.Span.StartsWith(Utf8Bom)) json = json[3..];
        _file = json;
        _json = json.Span;
        _r = new Utf8JsonReader(_json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Source = source;
    }

    /// <summary>The current token.</summary>
    public readonly JsonTokenType Token => _r.TokenType;

    /// <summary>Whether the current token is a property with this name.</summary>
    public readonly bool Is(ReadOnlySpan<byte> name) => _r.ValueTextEquals(name);

    /// <summary>Where the cursor is, for messages: "results[12] (id 5)" or "the top level".</summary>
    public readonly string Where => _list is null ? "the top level" : $"{_list}[{_index}]" + (_id is null ? "" : $" (id {_id})");

    /// <summary>Enters record <paramref name="index"/> of list <paramref name="list"/>; it must be an object.</summary>
    public void BeginRecord(string list, int index)
    {
        _list = list; _index = index; _id = null;
        if (_r.TokenType != JsonTokenType.StartObject) throw Error($"{Where} is {Shown()}; expected an object {{...}}.");
    }

    /// <summary>Leaves the current record (later messages name the top level again).</summary>
    public void EndRecord() { _list = null; _id = null; }

    /// <summary>Names the current record's id in later messages.</summary>
    public void SetId(long id) => _id = id;

    /// <summary>Moves to the next token; the end of the data here means a truncated file.</summary>
    public void Next()
    {
        bool more;
        try { more = _r.Read(); }
        catch (JsonException e) { throw Syntax(e); }
        if (!more) throw Error($"the JSON ends early at byte {_r.BytesConsumed} (line {LineOf(_r.BytesConsumed)}), inside {Where}: the file is truncated or was not finished.");
    }

    /// <summary>Skips the value of the current property.</summary>
    public void SkipValue()
    {
        Next();
        try { _r.Skip(); }
        catch (JsonException e) { throw Syntax(e); }
    }

    /// <summary>Moves into the value of a list-valued property: true at its StartArray.</summary>
    public void EnterList(string field)
    {
        Next();
        if (_r.TokenType != JsonTokenType.StartArray) throw Field(field, "a list [...]");
    }

    /// <summary>An id: an integer (an integral number such as 1.0 is accepted, as Python's dicts do).</summary>
    public long ReadId(string field)
    {
        Next();
        if (_r.TokenType == JsonTokenType.Number)
        {
            if (_r.TryGetInt64(out long id)) return id;
            if (_r.TryGetDouble(out double d) && Math.Abs(d) <= MaxExactInteger && d == Math.Floor(d)) return (long)d;
        }
        throw Field(field, "an integer id");
    }

    /// <summary>A non-negative integer (image width and height, RLE size).</summary>
    public int ReadSize(string field)
    {
        Next();
        if (_r.TokenType == JsonTokenType.Number && _r.TryGetDouble(out double d) && d >= 0 && d <= int.MaxValue && d == Math.Floor(d)) return (int)d;
        throw Field(field, "a non-negative integer");
    }

    /// <summary>A finite number (area, score).</summary>
    public double ReadNumber(string field)
    {
        Next();
        if (_r.TokenType == JsonTokenType.Number && _r.TryGetDouble(out double d) && double.IsFinite(d)) return d;
        throw Field(field, "a finite number");
    }

    /// <summary>A flag written as 0/1 or false/true (iscrowd).</summary>
    public bool ReadFlag(string field)
    {
        Next();
        if (_r.TokenType == JsonTokenType.True) return true;
        if (_r.TokenType == JsonTokenType.False) return false;
        if (_r.TokenType == JsonTokenType.Number && _r.TryGetInt32(out int v) && v is 0 or 1) return v == 1;
        throw Field(field, "0 or 1");
    }

    /// <summary>A string; null reads as empty.</summary>
    public string ReadString(string field)
    {
        Next();
        if (_r.TokenType == JsonTokenType.String) return _r.GetString()!;
        if (_r.TokenType == JsonTokenType.Null) return "";
        throw Field(field, "a string");
    }

    /// <summary>
    /// The current string token's UTF-8 bytes (the caller has checked <see cref="Token"/>), without an allocation per
    /// string: a slice of the file where it holds the string unescaped, else the unescaped bytes in a shared chunk.
    /// Either way the bytes live as long as the returned memory is held.
    /// </summary>
    public ReadOnlyMemory<byte> CurrentUtf8()
    {
        int n = _r.ValueSpan.Length;
        if (!_r.ValueIsEscaped) return _file.Slice((int)_r.TokenStartIndex + 1, n);  // +1: the opening quote
        // Unescaping never lengthens a string.
        if (_chunk is null || _chunk.Length - _chunkUsed < n) { _chunk = new byte[Math.Max(n, Math.Min(1 << 20, _json.Length))]; _chunkUsed = 0; }
        int written = _r.CopyString(_chunk.AsSpan(_chunkUsed));
        var bytes = new ReadOnlyMemory<byte>(_chunk, _chunkUsed, written);
        _chunkUsed += written;
        return bytes;
    }

    /// <summary>The current token as a non-negative integer that fits 32 bits (uncompressed RLE counts).</summary>
    public readonly bool TryCurrentCount(out uint count)
    {
        count = 0;
        if (_r.TokenType != JsonTokenType.Number || !_r.TryGetInt64(out long c) || c < 0 || c > uint.MaxValue) return false;
        count = (uint)c;
        return true;
    }

    /// <summary>A list of finite numbers; the cursor is at its StartArray.</summary>
    public double[] ReadNumbersHere(string field)
    {
        if (_r.TokenType != JsonTokenType.StartArray) throw Field(field, "a list of numbers");
        var v = new List<double>(16);
        while (true)
        {
            Next();
            if (_r.TokenType == JsonTokenType.EndArray) return v.ToArray();
            if (_r.TokenType != JsonTokenType.Number || !_r.TryGetDouble(out double d) || !double.IsFinite(d))
                throw Field($"{field}[{v.Count}]", "a finite number");
            v.Add(d);
        }
    }

    /// <summary>A list of finite numbers as the value of the current property.</summary>
    public double[] ReadNumbers(string field)
    {
        Next();
        return ReadNumbersHere(field);
    }

    /// <summary>A message naming the file and the current record.</summary>
    public readonly InvalidDataException Error(string problem) => new($"{Source}: {problem}");

    /// <summary>"FILE: RECORD: 'field' is VALUE; expected WHAT." for the current token.</summary>
    public readonly InvalidDataException Field(string field, string expected) =>
        Error($"{Where}: '{field}' is {Shown()}; expected {expected}.");

    /// <summary>"FILE: RECORD: PROBLEM" for a problem found after the record was read.</summary>
    public readonly InvalidDataException Record(string problem) => Error($"{Where}: {problem}");

    // The current token as the user wrote it, short.
    private readonly string Shown()
    {
        switch (_r.TokenType)
        {
            case JsonTokenType.Number: return Encoding.UTF8.GetString(_r.ValueSpan);
            case JsonTokenType.String:
                string s = _r.GetString()!;
                return "the string \"" + (s.Length > 40 ? s[..40] + "..." : s) + "\"";
            case JsonTokenType.Null: return "null";
            case JsonTokenType.True: return "true";
            case JsonTokenType.False: return "false";
            case JsonTokenType.StartArray: return "a list";
            case JsonTokenType.StartObject: return "an object";
            default: return _r.TokenType.ToString();
        }
    }

    private readonly InvalidDataException Syntax(JsonException e)
    {
        long line = (e.LineNumber ?? 0) + 1, column = (e.BytePositionInLine ?? 0) + 1;
        string message = e.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        string hint = StartsWithNonFinite(line, column)
            ? " NaN and Infinity are not JSON numbers (Python's json.dump writes them): write finite numbers, or drop the record."
            : "";
        string inside = _list is null ? "" : $", inside {Where}";
        return new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"{Source}: not valid JSON at line {line}, column {column}{inside}: {message}{hint}"), e);
    }

    private readonly bool StartsWithNonFinite(long line, long column)
    {
        long at = OffsetOf(line, column);
        if (at < 0 || at >= _json.Length) return false;
        var rest = _json[(int)at..];
        if (rest.StartsWith("-"u8)) rest = rest[1..];
        return rest.StartsWith("NaN"u8) || rest.StartsWith("Infinity"u8);
    }

    private readonly long OffsetOf(long line, long column)
    {
        long l = 1, i = 0;
        while (l < line && i < _json.Length) { if (_json[(int)i] == (byte)'\n') l++; i++; }
        return i + column - 1;
    }

    private readonly long LineOf(long offset)
    {
        long end = Math.Min(offset, _json.Length);
        return _json[..(int)end].Count((byte)'\n') + 1;
    }
}
