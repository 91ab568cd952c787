using System.Collections;
using System.Text;

namespace Offswitch.Models.Gguf.Jinja;

/// <summary>The Python methods of str, dict and list that chat templates call (<c>content.strip()</c>, <c>message.get('x')</c>, …).</summary>
internal static class JinjaMethods
{
    private static readonly char[] Whitespace = [' ', '\t', '\n', '\r', '\v', '\f'];

    public static JinjaCallable? Bind(object? target, string name) => target switch
    {
        string s => StringMethod(s, name),
        OrderedDictionary<string, object?> d => DictMethod(d, name),
        List<object?> l => ListMethod(l, name),
        _ => null,
    };

    private static JinjaCallable? StringMethod(string s, string name)
    {
        Func<JinjaArguments, object?>? f = name switch
        {
            "strip" => a => a.Get(0, "chars") is string c ? s.Trim(c.ToCharArray()) : s.Trim(Whitespace),
            "lstrip" => a => a.Get(0, "chars") is string c ? s.TrimStart(c.ToCharArray()) : s.TrimStart(Whitespace),
            "rstrip" => a => a.Get(0, "chars") is string c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd(Whitespace),
            "startswith" => a => Prefixes(a.Get(0, "prefix")).Any(p => s.StartsWith(p, StringComparison.Ordinal)),
            "endswith" => a => Prefixes(a.Get(0, "suffix")).Any(p => s.EndsWith(p, StringComparison.Ordinal)),
            "upper" => _ => s.ToUpperInvariant(),
            "lower" => _ => s.ToLowerInvariant(),
            "title" => _ => Title(s),
            "capitalize" => _ => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(),
            "replace" => a => Replace(s, Py.Str(a.Get(0, "old")), Py.Str(a.Get(1, "new")), a.Get(2, "count") is long c ? c : -1),
            "split" => a => Split(s, a.Get(0, "sep"), a.Get(1, "maxsplit") is long m ? m : -1),
            "splitlines" => _ => s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).ToList() is var lines && lines.Count > 0 && s.EndsWith('\n') ? lines[..^1] : s.Length == 0 ? [] : s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).ToList(),
            "join" => a => string.Join(s, ((IEnumerable)(a.Get(0, "iterable") ?? new List<object?>())).Cast<object?>().Select(Py.Str)),
            "find" => a => (long)s.IndexOf(Py.Str(a.Get(0, "sub")), StringComparison.Ordinal),
            "count" => a => (long)Count(s, Py.Str(a.Get(0, "sub"))),
            "isdigit" => _ => s.Length > 0 && s.All(char.IsDigit),
            "isspace" => _ => s.Length > 0 && s.All(char.IsWhiteSpace),
            "format" => a => Format(s, a),
            _ => null,
        };
        return f is null ? null : new JinjaCallable("str." + name, f);
    }

    private static JinjaCallable? DictMethod(OrderedDictionary<string, object?> d, string name)
    {
        Func<JinjaArguments, object?>? f = name switch
        {
            "items" => _ => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
            "keys" => _ => d.Keys.Cast<object?>().ToList(),
            "values" => _ => d.Values.ToList(),
            "get" => a => a.Get(0, "key") is string k && d.TryGetValue(k, out var v) ? v : a.Get(1, "default"),
            _ => null,
        };
        return f is null ? null : new JinjaCallable("dict." + name, f);
    }

    private static JinjaCallable? ListMethod(List<object?> l, string name)
    {
        Func<JinjaArguments, object?>? f = name switch
        {
            "append" => a =>
            {
                l.Add(a.Get(0, "object"));
                return null;
            },
            "extend" => a =>
            {
                l.AddRange(((IEnumerable)(a.Get(0, "iterable") ?? new List<object?>())).Cast<object?>());
                return null;
            },
            "pop" => a =>
            {
                var i = a.Get(0, "index") is long n ? (int)(n < 0 ? n + l.Count : n) : l.Count - 1;
                var v = l[i];
                l.RemoveAt(i);
                return v;
            },
            "index" => a => (long)l.FindIndex(x => Py.Equals(x, a.Get(0, "value"))),
            "count" => a => (long)l.Count(x => Py.Equals(x, a.Get(0, "value"))),
            _ => null,
        };
        return f is null ? null : new JinjaCallable("list." + name, f);
    }

    private static IEnumerable<string> Prefixes(object? value) => value is List<object?> list ? list.Cast<object?>().Select(Py.Str) : [Py.Str(value)];

    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousLetter = false;
        foreach (var c in s)
        {
            sb.Append(previousLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousLetter = char.IsLetter(c);
        }

        return sb.ToString();
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? string.Join(replacement, s.Select(c => c.ToString()).Prepend(string.Empty).Append(string.Empty)) : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder();
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var found = s.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0 || old.Length == 0)
            {
                break;
            }

            sb.Append(s, position, found - position).Append(replacement);
            position = found + old.Length;
        }

        return sb.Append(s, position, s.Length - position).ToString();
    }

    private static List<object?> Split(string s, object? separator, long maxSplit)
    {
        if (separator is string sep)
        {
            var parts = maxSplit < 0 ? s.Split(sep) : s.Split(sep, (int)maxSplit + 1);
            return [.. parts.Select(p => (object?)p)];
        }

        // Python's split() without a separator: runs of whitespace, no empty strings.
        var words = s.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);
        if (maxSplit >= 0 && words.Length > maxSplit + 1)
        {
            var head = s.TrimStart(Whitespace).Split(Whitespace, (int)maxSplit + 1, StringSplitOptions.RemoveEmptyEntries);
            head[^1] = head[^1].TrimStart(Whitespace);
            return [.. head.Select(p => (object?)p)];
        }

        return [.. words.Select(p => (object?)p)];
    }

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        var count = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // str.format with {} and {0} and {name} fields.
    private static string Format(string s, JinjaArguments a)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '{' && i + 1 < s.Length && s[i + 1] == '{')
            {
                sb.Append('{');
                i++;
            }
            else if (s[i] == '}' && i + 1 < s.Length && s[i + 1] == '}')
            {
                sb.Append('}');
                i++;
            }
            else if (s[i] == '{')
            {
                var end = s.IndexOf('}', i);
                var field = s[(i + 1)..end];
                object? value = field.Length == 0 ? a.Positional[auto++]
                    : int.TryParse(field, out var n) ? a.Positional[n]
                    : a.Named.TryGetValue(field, out var v) ? v : new Undefined(field);
                sb.Append(Py.Str(value));
                i = end;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }
}
