using System.Collections;
using System.Globalization;
using System.Net;
using System.Text;

namespace Offswitch.Models.Gguf.Jinja;

/// <summary>The filters and tests of Jinja's standard library that chat templates use, with Jinja's semantics.</summary>
internal static class JinjaFilters
{
    public static object? Apply(string name, object? value, JinjaArguments args, int line, JinjaTemplate.Renderer renderer, JinjaTemplate.Scope scope)
    {
        switch (name)
        {
            case "tojson":
                {
                    var indent = args.Get(0, "indent");
                    var separators = args.Get(99, "separators") as List<object?>;
                    return Py.ToJson(
                        value,
                        indent is long n ? (int)n : null,
                        sortKeys: Py.Truthy(args.Get(99, "sort_keys")),
                        ensureAscii: Py.Truthy(args.Get(99, "ensure_ascii", false)),
                        itemSeparator: separators is { Count: 2 } ? Py.Str(separators[0]) : null,
                        keySeparator: separators is { Count: 2 } ? Py.Str(separators[1]) : null);
                }

            case "trim":
                {
                    var chars = args.Get(0, "chars");
                    var text = Py.Str(value);
                    return chars is string c ? text.Trim(c.ToCharArray()) : text.Trim(PyWhitespace);
                }

            case "length" or "count":
                return Length(value, line);
            case "upper":
                return Py.Str(value).ToUpperInvariant();
            case "lower":
                return Py.Str(value).ToLowerInvariant();
            case "capitalize":
                {
                    var text = Py.Str(value);
                    return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
                }

            case "title":
                return JinjaMethods.Title(Py.Str(value));
            case "default" or "d":
                {
                    var fallback = args.Get(0, "default_value", string.Empty);
                    var boolean = Py.Truthy(args.Get(1, "boolean", false));
                    return value is Undefined || (boolean && !Py.Truthy(value)) ? fallback : value;
                }

            case "first":
                {
                    var items = renderer.Iterate(value, line).Take(1).ToList();
                    return items.Count > 0 ? items[0] : new Undefined("first");
                }

            case "last":
                {
                    var items = renderer.Iterate(value, line).ToList();
                    return items.Count > 0 ? items[^1] : new Undefined("last");
                }

            case "join":
                {
                    var separator = Py.Str(args.Get(0, "d", string.Empty));
                    var attribute = args.Get(1, "attribute");
                    var items = renderer.Iterate(value, line);
                    if (attribute is not null)
                    {
                        items = items.Select(i => renderer.GetAttributePath(i, Py.Str(attribute), line));
                    }

                    return string.Join(separator, items.Select(Py.Str));
                }

            case "list":
                return renderer.Iterate(value, line).ToList();
            case "string":
                return Py.Str(value);
            case "int":
                return ToInt(value, args.Get(0, "default", 0L));
            case "float":
                return ToFloat(value, args.Get(0, "default", 0.0));
            case "abs":
                return value is long l ? (object)Math.Abs(l) : Math.Abs(Py.ToDouble(value));
            case "round":
                {
                    var precision = (int)Py.ToDouble(args.Get(0, "precision", 0L));
                    var method = Py.Str(args.Get(1, "method", "common"));
                    var x = Py.ToDouble(value);
                    var scale = Math.Pow(10, precision);
                    return method switch
                    {
                        "ceil" => Math.Ceiling(x * scale) / scale,
                        "floor" => Math.Floor(x * scale) / scale,
                        _ => Math.Round(x, precision, MidpointRounding.AwayFromZero),
                    };
                }

            case "replace":
                {
                    var text = Py.Str(value);
                    var old = Py.Str(args.Get(0, "old"));
                    var replacement = Py.Str(args.Get(1, "new"));
                    var count = args.Get(2, "count");
                    return JinjaMethods.Replace(text, old, replacement, count is long c ? c : -1);
                }

            case "items":
                return value switch
                {
                    OrderedDictionary<string, object?> d => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
                    Undefined => new List<object?>(),
                    _ => throw new JinjaException($"Line {line}: the items filter needs a mapping, not {Py.TypeName(value)}."),
                };
            case "dictsort":
                {
                    var d = value as OrderedDictionary<string, object?> ?? throw new JinjaException($"Line {line}: dictsort needs a mapping.");
                    var byValue = Py.Str(args.Get(1, "by", "key")) == "value";
                    var sorted = d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList();
                    sorted.Sort((a, b) => Py.Compare(((List<object?>)a!)[byValue ? 1 : 0], ((List<object?>)b!)[byValue ? 1 : 0]));
                    return Py.Truthy(args.Get(2, "reverse", false)) ? Enumerable.Reverse(sorted).ToList() : sorted;
                }

            case "selectattr" or "rejectattr":
                {
                    var attribute = Py.Str(args.Get(0, "attribute"));
                    var keep = name == "selectattr";
                    return renderer.Iterate(value, line).Where(item =>
                    {
                        var attr = renderer.GetAttributePath(item, attribute, line);
                        return SelectTest(attr, args.Positional.Skip(1).ToList(), line) == keep;
                    }).ToList();
                }

            case "select" or "reject":
                {
                    var keep = name == "select";
                    return renderer.Iterate(value, line).Where(item => SelectTest(item, args.Positional, line) == keep).ToList();
                }

            case "map":
                {
                    var items = renderer.Iterate(value, line);
                    if (args.Named.TryGetValue("attribute", out var attribute))
                    {
                        var fallback = args.Named.TryGetValue("default", out var d) ? d : null;
                        return items.Select(i =>
                        {
                            var v = renderer.GetAttributePath(i, Py.Str(attribute), line);
                            return v is Undefined && fallback is not null ? fallback : v;
                        }).ToList();
                    }

                    if (args.Positional.Count == 0)
                    {
                        throw new JinjaException($"Line {line}: map needs a filter name or attribute=.");
                    }

                    var filter = Py.Str(args.Positional[0]);
                    var rest = new JinjaArguments([.. args.Positional.Skip(1)], args.Named);
                    return items.Select(i => Apply(filter, i, rest, line, renderer, scope)).ToList();
                }

            case "unique":
                {
                    var attribute = args.Get(1, "attribute");
                    var caseSensitive = Py.Truthy(args.Get(0, "case_sensitive", false));
                    var seen = new List<object?>();
                    var result = new List<object?>();
                    foreach (var item in renderer.Iterate(value, line))
                    {
                        var key = attribute is null ? item : renderer.GetAttributePath(item, Py.Str(attribute), line);
                        if (!caseSensitive && key is string s)
                        {
                            key = s.ToLowerInvariant();
                        }

                        if (!seen.Any(k => Py.Equals(k, key)))
                        {
                            seen.Add(key);
                            result.Add(item);
                        }
                    }

                    return result;
                }

            case "reverse":
                return value is string reversedText ? new string(reversedText.Reverse().ToArray()) : renderer.Iterate(value, line).Reverse().ToList();
            case "sort":
                {
                    var reverse = Py.Truthy(args.Get(0, "reverse", false));
                    var attribute = args.Get(2, "attribute");
                    var items = renderer.Iterate(value, line).ToList();
                    object? Key(object? item) => attribute is null ? item : renderer.GetAttributePath(item, Py.Str(attribute), line);
                    var sorted = items.Select((item, index) => (item, index)).ToList();
                    sorted.Sort((a, b) =>
                    {
                        var c = Py.Compare(Key(a.item), Key(b.item));
                        return c != 0 ? c : a.index.CompareTo(b.index);
                    });
                    var result = sorted.Select(p => p.item).ToList();
                    if (reverse)
                    {
                        result.Reverse();
                    }

                    return result;
                }

            case "sum":
                {
                    var attribute = args.Get(0, "attribute");
                    object? total = args.Get(1, "start", 0L);
                    foreach (var item in renderer.Iterate(value, line))
                    {
                        var v = attribute is null ? item : renderer.GetAttributePath(item, Py.Str(attribute), line);
                        total = total is long a && v is long b ? (object)(a + b) : Py.ToDouble(total) + Py.ToDouble(v);
                    }

                    return total;
                }

            case "min" or "max":
                {
                    var items = renderer.Iterate(value, line).ToList();
                    if (items.Count == 0)
                    {
                        return new Undefined(name);
                    }

                    var best = items[0];
                    foreach (var item in items.Skip(1))
                    {
                        var c = Py.Compare(item, best);
                        if (name == "min" ? c < 0 : c > 0)
                        {
                            best = item;
                        }
                    }

                    return best;
                }

            case "safe":
                return value;
            case "escape" or "e":
                return WebUtility.HtmlEncode(Py.Str(value));
            case "indent":
                {
                    var width = args.Get(0, "width", 4L);
                    var pad = width is string s ? s : new string(' ', (int)Py.ToDouble(width));
                    var first = Py.Truthy(args.Get(1, "first", false));
                    var blank = Py.Truthy(args.Get(2, "blank", false));
                    var lines = Py.Str(value).Split('\n');
                    var sb = new StringBuilder();
                    for (var i = 0; i < lines.Length; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append('\n');
                        }

                        var indentThis = (i > 0 || first) && (blank || lines[i].Length > 0);
                        sb.Append(indentThis ? pad : string.Empty).Append(lines[i]);
                    }

                    return sb.ToString();
                }

            case "wordcount":
                return (long)Py.Str(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            case "batch":
                {
                    var size = (int)Py.ToDouble(args.Get(0, "linecount"));
                    return renderer.Iterate(value, line).Chunk(size).Select(c => (object?)c.ToList()).ToList();
                }

            default:
                throw new JinjaException($"Line {line}: unknown filter '{name}'.");
        }
    }

    private static readonly char[] PyWhitespace = [' ', '\t', '\n', '\r', '\v', '\f'];

    private static object Length(object? value, int line) => value switch
    {
        string s => (long)s.EnumerateRunes().Count(),
        ICollection c => (long)c.Count,
        JinjaNamespace ns => (long)ns.Values.Count,
        Undefined => 0L,
        _ => throw new JinjaException($"Line {line}: object of type '{Py.TypeName(value)}' has no len()."),
    };

    private static object? ToInt(object? value, object? fallback) => value switch
    {
        long l => l,
        bool b => b ? 1L : 0L,
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long l => (double)l,
        bool b => b ? 1.0 : 0.0,
        double d => d,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => fallback,
    };

    // select/reject and selectattr/rejectattr: with no test, the value's truth; otherwise the named test.
    private static bool SelectTest(object? value, IReadOnlyList<object?> testAndArgs, int line) =>
        testAndArgs.Count == 0 ? Py.Truthy(value) : Test(Py.Str(testAndArgs[0]), value, [.. testAndArgs.Skip(1)], line);

    public static bool Test(string name, object? value, IReadOnlyList<object?> args, int line)
    {
        object? Arg(int i) => i < args.Count ? args[i] : throw new JinjaException($"Line {line}: the test '{name}' needs an argument.");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "number" => value is long or double or bool,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => Py.IsMapping(value),
            "iterable" => value is string or List<object?> or OrderedDictionary<string, object?>,
            "sequence" => value is string or List<object?> or OrderedDictionary<string, object?>,
            "callable" => value is JinjaCallable,
            "equalto" or "eq" or "==" or "sameas" => Py.Equals(value, Arg(0)),
            "ne" or "!=" => !Py.Equals(value, Arg(0)),
            "lt" or "lessthan" or "<" => Py.Compare(value, Arg(0)) < 0,
            "le" or "<=" => Py.Compare(value, Arg(0)) <= 0,
            "gt" or "greaterthan" or ">" => Py.Compare(value, Arg(0)) > 0,
            "ge" or ">=" => Py.Compare(value, Arg(0)) >= 0,
            "in" => Arg(0) switch
            {
                string s => value is string sub && s.Contains(sub, StringComparison.Ordinal),
                OrderedDictionary<string, object?> d => value is string key && d.ContainsKey(key),
                List<object?> list => list.Cast<object?>().Any(x => Py.Equals(x, value)),
                _ => false,
            },
            "odd" => value is long o && Math.Abs(o % 2) == 1,
            "even" => value is long e && e % 2 == 0,
            "divisibleby" => value is long n && Arg(0) is long m && m != 0 && n % m == 0,
            "lower" => value is string lower && !lower.Any(char.IsUpper),
            "upper" => value is string upper && !upper.Any(char.IsLower),
            _ => throw new JinjaException($"Line {line}: unknown test '{name}'."),
        };
    }
}
