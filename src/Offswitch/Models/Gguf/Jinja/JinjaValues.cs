using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Offswitch.Models.Gguf.Jinja;

/// <summary>A template that cannot be parsed or rendered, or that called <c>raise_exception</c>.</summary>
public class JinjaException(string message) : Exception(message);

/// <summary>Thrown by a template's own <c>raise_exception(message)</c>: the template refuses the conversation.</summary>
public sealed class JinjaRaisedException(string message) : JinjaException(message);

/// <summary>Jinja's default <c>Undefined</c>: falsy, renders as nothing, iterates as empty.</summary>
internal sealed class Undefined(string name)
{
    public string Name { get; } = name;

    public override string ToString() => string.Empty;
}

/// <summary>The mutable object <c>namespace()</c> returns, so a loop body can assign what outlives the loop.</summary>
internal sealed class JinjaNamespace
{
    public OrderedDictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>Arguments of a call: positional, then keyword.</summary>
internal sealed record JinjaArguments(IReadOnlyList<object?> Positional, IReadOnlyDictionary<string, object?> Named)
{
    public static readonly IReadOnlyDictionary<string, object?> NoNames = new Dictionary<string, object?>();

    public object? Get(int index, string name, object? fallback = null) =>
        Named.TryGetValue(name, out var value) ? value : index < Positional.Count ? Positional[index] : fallback;
}

/// <summary>A callable value: a global function, a bound method, a macro.</summary>
internal sealed class JinjaCallable(string name, Func<JinjaArguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(JinjaArguments arguments) => invoke(arguments);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopInfo(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("loop.previtem"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : new Undefined("loop.nextitem"),
        "cycle" => new JinjaCallable("loop.cycle", a => a.Positional.Count == 0 ? null : a.Positional[Index0 % a.Positional.Count]),
        _ => new Undefined("loop." + name),
    };
}

/// <summary>Python semantics for the values templates handle: truth, str(), repr(), equality, json.dumps.</summary>
internal static class Py
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        JinjaNamespace => true,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsSequence(object? value) => value is List<object?>;

    public static bool IsMapping(object? value) => value is OrderedDictionary<string, object?>;

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaNamespace => "Namespace",
        JinjaCallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Python's <c>str()</c>, which is what <c>{{ }}</c>, <c>~</c> and the <c>string</c> filter print.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => string.Empty,
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        switch (value)
        {
            case null: return "None";
            case Undefined: return string.Empty;
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FormatFloat(d);
            case string s: return ReprString(s);
            case OrderedDictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(p => ReprString(p.Key) + ": " + Repr(p.Value))) + "}";
            case List<object?> list:
                return "[" + string.Join(", ", list.Cast<object?>().Select(Repr)) + "]";
            case JinjaNamespace ns:
                return "<Namespace " + string.Join(", ", ns.Values.Select(p => p.Key + "=" + Repr(p.Value))) + ">";
            case JinjaCallable c: return "<function " + c.Name + ">";
            default: return value.ToString() ?? string.Empty;
        }
    }

    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        var abs = Math.Abs(d);
        if (abs != 0 && (abs < 1e-4 || abs >= 1e16))
        {
            // Python: shortest repr digits with a two-digit (or longer) exponent, e.g. 1e-05, 1.5e+16.
            var text = d.ToString("E16", CultureInfo.InvariantCulture);
            var r = d.ToString("R", CultureInfo.InvariantCulture);
            var mantissa = r.Contains('E', StringComparison.Ordinal) ? r[..r.IndexOf('E', StringComparison.Ordinal)] : r;
            var exponent = int.Parse(text[(text.IndexOf('E', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            if (!r.Contains('E', StringComparison.Ordinal))
            {
                // "R" printed it positionally: rebuild the mantissa from the digits.
                var digits = r.Replace("-", string.Empty, StringComparison.Ordinal).Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0').TrimEnd('0');
                mantissa = (d < 0 ? "-" : string.Empty) + digits[..1] + (digits.Length > 1 ? "." + digits[1..] : string.Empty);
            }

            return mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }

        var plain = d.ToString("R", CultureInfo.InvariantCulture);
        return plain.Contains('.', StringComparison.Ordinal) || plain.Contains('E', StringComparison.Ordinal) ? plain : plain + ".0";
    }

    private static string ReprString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7F)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append(quote).ToString();
    }

    public static new bool Equals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            return a is Undefined && b is Undefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a) == ToDouble(b);
        }

        switch (a)
        {
            case null: return b is null;
            case string s: return b is string t && s == t;
            case OrderedDictionary<string, object?> x when b is OrderedDictionary<string, object?> y:
                return x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && Equals(p.Value, v));
            case List<object?> x when b is List<object?> y:
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!Equals(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            default: return ReferenceEquals(a, b) || a.Equals(b);
        }
    }

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaException($"Expected a number, got {TypeName(value)}."),
    };

    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a).CompareTo(ToDouble(b));
        }

        if (a is string s && b is string t)
        {
            return string.CompareOrdinal(s, t);
        }

        if (a is List<object?> x && b is List<object?> y)
        {
            for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                var c = Compare(x[i], y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return x.Count.CompareTo(y.Count);
        }

        throw new JinjaException($"Cannot compare {TypeName(a)} with {TypeName(b)}.");
    }

    /// <summary>
    /// <c>json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sortKeys)</c>, which is HuggingFace's
    /// <c>tojson</c>: Python's separators (<c>", "</c> and <c>": "</c>, or <c>","</c> at line ends when indented),
    /// keys in insertion order, non-ASCII characters unescaped.
    /// </summary>
    public static string ToJson(object? value, int? indent = null, bool sortKeys = false, bool ensureAscii = false, string? itemSeparator = null, string? keySeparator = null)
    {
        var sb = new StringBuilder();
        WriteJson(sb, value, indent, 0, sortKeys, ensureAscii, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ");
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? value, int? indent, int level, bool sortKeys, bool ascii, string itemSeparator, string keySeparator)
    {
        switch (value)
        {
            case null or Undefined: sb.Append("null"); return;
            case bool b: sb.Append(b ? "true" : "false"); return;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : FormatFloat(d));
                return;
            case string s: WriteJsonString(sb, s, ascii); return;
            case JinjaNamespace ns: WriteJson(sb, ns.Values, indent, level, sortKeys, ascii, itemSeparator, keySeparator); return;
            case OrderedDictionary<string, object?> dict:
                {
                    if (dict.Count == 0)
                    {
                        sb.Append("{}");
                        return;
                    }

                    IEnumerable<KeyValuePair<string, object?>> pairs = sortKeys ? dict.OrderBy(p => p.Key, StringComparer.Ordinal) : dict;
                    sb.Append('{');
                    var first = true;
                    foreach (var (key, item) in pairs)
                    {
                        if (!first)
                        {
                            sb.Append(itemSeparator);
                        }

                        first = false;
                        NewLine(sb, indent, level + 1);
                        WriteJsonString(sb, key, ascii);
                        sb.Append(keySeparator);
                        WriteJson(sb, item, indent, level + 1, sortKeys, ascii, itemSeparator, keySeparator);
                    }

                    NewLine(sb, indent, level);
                    sb.Append('}');
                    return;
                }

            case List<object?> list:
                {
                    if (list.Count == 0)
                    {
                        sb.Append("[]");
                        return;
                    }

                    sb.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(itemSeparator);
                        }

                        NewLine(sb, indent, level + 1);
                        WriteJson(sb, list[i], indent, level + 1, sortKeys, ascii, itemSeparator, keySeparator);
                    }

                    NewLine(sb, indent, level);
                    sb.Append(']');
                    return;
                }

            default:
                throw new JinjaException($"Object of type {TypeName(value)} is not JSON serializable.");
        }
    }

    private static void NewLine(StringBuilder sb, int? indent, int level)
    {
        if (indent is { } n)
        {
            sb.Append('\n').Append(' ', n * level);
        }
    }

    private static void WriteJsonString(StringBuilder sb, string s, bool ascii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ascii && c > 0x7E))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Converts JSON (as from a tool's schema or a call's arguments) into template values.</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToDict(element.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, FromJson(p.Value)))),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) && !element.GetRawText().Contains('.', StringComparison.Ordinal) && !element.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase)
            ? (object)l
            : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public static OrderedDictionary<string, object?> ToDict(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            dict[key] = value;
        }

        return dict;
    }

    /// <summary>Converts a .NET value (strings, numbers, booleans, lists, dictionaries, JSON) into a template value.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null or string or bool or long or double or Undefined or JinjaNamespace or JinjaCallable => value,
        OrderedDictionary<string, object?> => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        ulong u => (long)u,
        float f => (double)f,
        decimal m => (double)m,
        JsonElement e => FromJson(e),
        IEnumerable<KeyValuePair<string, object?>> pairs => ToDict(pairs.Select(p => new KeyValuePair<string, object?>(p.Key, FromClr(p.Value)))),
        IDictionary dictionary => ToDict(dictionary.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(k.ToString() ?? string.Empty, FromClr(dictionary[k])))),
        IEnumerable list => list.Cast<object?>().Select(FromClr).ToList(),
        _ => FromJson(JsonSerializer.SerializeToElement(value, value.GetType())),
    };
}
