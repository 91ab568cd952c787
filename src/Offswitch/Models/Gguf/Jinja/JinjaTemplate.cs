using System.Collections;
using System.Globalization;
using System.Text;

namespace Offswitch.Models.Gguf.Jinja;

/// <summary>
/// A parsed Jinja2 template, rendered the way HuggingFace's <c>apply_chat_template</c> renders chat templates
/// (<c>trim_blocks</c>, <c>lstrip_blocks</c>, no autoescaping, default <c>Undefined</c>, <c>tojson</c> without key
/// sorting and with <c>ensure_ascii=False</c>, the <c>loopcontrols</c> extension). It implements the subset chat
/// templates use; the Models README lists it. Parse once, render many times: a template holds no render state.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Node> _body;

    private JinjaTemplate(string source, IReadOnlyList<Node> body)
    {
        Source = source;
        _body = body;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>When true, reading an attribute or item of an undefined value, or printing one, is an error (Jinja's <c>StrictUndefined</c>).</summary>
    public bool Strict { get; init; }

    /// <summary>The date <c>strftime_now</c> formats. Fixed by default so that a prompt does not change with the day it is rendered on.</summary>
    public DateTime Now { get; init; } = new(2024, 7, 26, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Parses <paramref name="source"/>; throws <see cref="JinjaException"/> with the line of the first error.</summary>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(source, JinjaParser.Parse(source));
    }

    /// <summary>The same template with another date for <c>strftime_now</c>.</summary>
    public JinjaTemplate WithDate(DateTime now) => new(Source, _body) { Strict = Strict, Now = now };

    /// <summary>The same template, strict (<see cref="Strict"/>) or not.</summary>
    public JinjaTemplate WithStrict(bool strict) => new(Source, _body) { Strict = strict, Now = Now };

    /// <summary>Renders with <paramref name="variables"/> (strings, numbers, booleans, null, lists, dictionaries or JSON elements).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var globals = new Scope(null);
        globals.Set("range", new JinjaCallable("range", Range));
        globals.Set("namespace", new JinjaCallable("namespace", NewNamespace));
        globals.Set("dict", new JinjaCallable("dict", a => Py.ToDict(a.Named)));
        globals.Set("raise_exception", new JinjaCallable("raise_exception", a => throw new JinjaRaisedException(Py.Str(a.Get(0, "message")))));
        globals.Set("strftime_now", new JinjaCallable("strftime_now", a => Strftime(Now, Py.Str(a.Get(0, "format")))));
        foreach (var (name, value) in variables)
        {
            globals.Set(name, Py.FromClr(value));
        }

        var output = new StringBuilder();
        var renderer = new Renderer(this);
        renderer.RenderNodes(_body, new Scope(globals), output);
        return output.ToString();
    }

    private static object? Range(JinjaArguments a)
    {
        var args = a.Positional.Select(v => (long)Py.ToDouble(v)).ToList();
        var (start, stop, step) = args.Count switch
        {
            1 => (0L, args[0], 1L),
            2 => (args[0], args[1], 1L),
            3 => (args[0], args[1], args[2]),
            _ => throw new JinjaException("range() takes 1 to 3 arguments."),
        };
        if (step == 0)
        {
            throw new JinjaException("range() step must not be zero.");
        }

        var list = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            list.Add(i);
        }

        return list;
    }

    private static object? NewNamespace(JinjaArguments a)
    {
        var ns = new JinjaNamespace();
        foreach (var initial in a.Positional.OfType<OrderedDictionary<string, object?>>())
        {
            foreach (var (key, value) in initial)
            {
                ns.Values[key] = value;
            }
        }

        foreach (var (key, value) in a.Named)
        {
            ns.Values[key] = value;
        }

        return ns;
    }

    // Python's strftime for the directives chat templates use (C locale).
    internal static string Strftime(DateTime date, string format)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }

            var c = format[++i];
            var noPad = false;
            if (c == '-' && i + 1 < format.Length)
            {
                noPad = true;
                c = format[++i];
            }

            string Num(int value, string pad) => value.ToString(noPad ? "0" : pad, CultureInfo.InvariantCulture);
            sb.Append(c switch
            {
                'd' => Num(date.Day, "00"),
                'm' => Num(date.Month, "00"),
                'Y' => date.Year.ToString(CultureInfo.InvariantCulture),
                'y' => Num(date.Year % 100, "00"),
                'H' => Num(date.Hour, "00"),
                'I' => Num(date.Hour % 12 == 0 ? 12 : date.Hour % 12, "00"),
                'M' => Num(date.Minute, "00"),
                'S' => Num(date.Second, "00"),
                'p' => date.Hour < 12 ? "AM" : "PM",
                'j' => Num(date.DayOfYear, "000"),
                'b' or 'h' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(date.Month),
                'B' => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(date.Month),
                'a' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(date.DayOfWeek),
                'A' => CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(date.DayOfWeek),
                'w' => ((int)date.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'F' => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                'T' => date.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + c,
            });
        }

        return sb.ToString();
    }

    /// <summary>Variables: a chain of scopes. A for-loop iteration and a macro call get their own; if-blocks do not.</summary>
    internal sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

        public Scope? Parent { get; } = parent;

        public bool TryGet(string name, out object? value)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._values.TryGetValue(name, out value))
                {
                    return true;
                }
            }

            value = null;
            return false;
        }

        public void Set(string name, object? value) => _values[name] = value;
    }

    private sealed class BreakSignal : Exception;

    private sealed class ContinueSignal : Exception;

    internal sealed class Renderer(JinjaTemplate template)
    {
        /// <summary>Follows a dotted attribute path (<c>function.name</c>), as <c>map(attribute=…)</c> and <c>selectattr</c> take it.</summary>
        public object? GetAttributePath(object? target, string path, int line)
        {
            foreach (var part in path.Split('.'))
            {
                target = part.All(char.IsAsciiDigit) && part.Length > 0 ? GetItem(target, long.Parse(part, CultureInfo.InvariantCulture), line) : GetItem(target, part, line);
            }

            return target;
        }

        public void RenderNodes(IReadOnlyList<Node> nodes, Scope scope, StringBuilder output)
        {
            foreach (var node in nodes)
            {
                Render(node, scope, output);
            }
        }

        private void Render(Node node, Scope scope, StringBuilder output)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case OutputNode o:
                    {
                        var value = Evaluate(o.Value, scope);
                        if (value is Undefined u && template.Strict)
                        {
                            throw new JinjaException($"Line {o.Line}: '{u.Name}' is undefined.");
                        }

                        output.Append(Py.Str(value));
                        break;
                    }

                case IfNode i:
                    foreach (var (condition, body) in i.Branches)
                    {
                        if (Py.Truthy(Evaluate(condition, scope)))
                        {
                            RenderNodes(body, scope, output);
                            return;
                        }
                    }

                    RenderNodes(i.Else, scope, output);
                    break;
                case ForNode f:
                    RenderFor(f, scope, output);
                    break;
                case SetNode s:
                    RenderSet(s, scope);
                    break;
                case MacroNode m:
                    scope.Set(m.Name, MakeMacro(m, scope));
                    break;
                case CallBlockNode c:
                    {
                        if (c.Call is not CallExpr call || Evaluate(call.Target, scope) is not JinjaCallable macro)
                        {
                            throw new JinjaException($"Line {c.Line}: {{% call %}} needs a macro call.");
                        }

                        var caller = new JinjaCallable("caller", _ =>
                        {
                            var sb = new StringBuilder();
                            RenderNodes(c.Body, new Scope(scope), sb);
                            return sb.ToString();
                        });
                        var args = Arguments(call.Arguments, call.Named, scope);
                        var named = new Dictionary<string, object?>(args.Named, StringComparer.Ordinal) { ["caller"] = caller };
                        output.Append(Py.Str(macro.Invoke(new JinjaArguments(args.Positional, named))));
                        break;
                    }

                case FilterBlockNode fb:
                    {
                        var sb = new StringBuilder();
                        RenderNodes(fb.Body, scope, sb);
                        var args = new JinjaArguments([.. fb.Arguments.Select(a => Evaluate(a, scope))], JinjaArguments.NoNames);
                        output.Append(Py.Str(JinjaFilters.Apply(fb.Filter, sb.ToString(), args, fb.Line, this, scope)));
                        break;
                    }

                case BreakNode:
                    throw new BreakSignal();
                case ContinueNode:
                    throw new ContinueSignal();
                default:
                    throw new JinjaException($"Line {node.Line}: cannot render {node.GetType().Name}.");
            }
        }

        private void RenderFor(ForNode f, Scope scope, StringBuilder output)
        {
            var items = Iterate(Evaluate(f.Iterable, scope), f.Line).ToList();
            if (f.Filter is not null)
            {
                items = [.. items.Where(item =>
                {
                    var probe = new Scope(scope);
                    Bind(f.Targets, item, probe, f.Line);
                    return Py.Truthy(Evaluate(f.Filter, probe));
                })];
            }

            if (items.Count == 0)
            {
                RenderNodes(f.Else, scope, output);
                return;
            }

            var loop = new LoopInfo(items);
            for (var i = 0; i < items.Count; i++)
            {
                loop.Index0 = i;
                var iteration = new Scope(scope);
                iteration.Set("loop", loop);
                Bind(f.Targets, items[i], iteration, f.Line);
                try
                {
                    RenderNodes(f.Body, iteration, output);
                }
                catch (ContinueSignal)
                {
                }
                catch (BreakSignal)
                {
                    break;
                }
            }
        }

        private static void Bind(IReadOnlyList<string> targets, object? item, Scope scope, int line)
        {
            if (targets.Count == 1)
            {
                scope.Set(targets[0], item);
                return;
            }

            var values = item is List<object?> list ? list : throw new JinjaException($"Line {line}: cannot unpack {Py.TypeName(item)} into {targets.Count} names.");
            if (values.Count != targets.Count)
            {
                throw new JinjaException($"Line {line}: cannot unpack {values.Count} values into {targets.Count} names.");
            }

            for (var i = 0; i < targets.Count; i++)
            {
                scope.Set(targets[i], values[i]);
            }
        }

        private void RenderSet(SetNode s, Scope scope)
        {
            object? value;
            if (s.Body is not null)
            {
                var sb = new StringBuilder();
                RenderNodes(s.Body, scope, sb);
                value = sb.ToString();
            }
            else
            {
                value = Evaluate(s.Value!, scope);
            }

            if (s.Attribute is not null)
            {
                if (!scope.TryGet(s.Targets[0], out var target) || target is not JinjaNamespace ns)
                {
                    throw new JinjaException($"Line {s.Line}: cannot assign an attribute of '{s.Targets[0]}', which is not a namespace().");
                }

                ns.Values[s.Attribute] = value;
                return;
            }

            Bind(s.Targets, value, scope, s.Line);
        }

        private JinjaCallable MakeMacro(MacroNode m, Scope definingScope) => new(m.Name, args =>
        {
            var scope = new Scope(definingScope);
            for (var i = 0; i < m.Parameters.Count; i++)
            {
                var (name, fallback) = m.Parameters[i];
                object? value = args.Named.TryGetValue(name, out var named) ? named
                    : i < args.Positional.Count ? args.Positional[i]
                    : fallback is not null ? Evaluate(fallback, definingScope)
                    : new Undefined(name);
                scope.Set(name, value);
            }

            scope.Set("varargs", args.Positional.Skip(m.Parameters.Count).ToList());
            scope.Set("kwargs", Py.ToDict(args.Named.Where(p => p.Key != "caller" && m.Parameters.All(q => q.Name != p.Key))));
            if (args.Named.TryGetValue("caller", out var caller))
            {
                scope.Set("caller", caller);
            }

            var sb = new StringBuilder();
            RenderNodes(m.Body, scope, sb);
            return sb.ToString();
        });

        public IEnumerable<object?> Iterate(object? value, int line) => value switch
        {
            null => throw new JinjaException($"Line {line}: 'NoneType' object is not iterable."),
            Undefined => [],
            string s => s.EnumerateRunes().Select(r => (object?)r.ToString()),
            OrderedDictionary<string, object?> d => d.Keys.Cast<object?>(),
            List<object?> list => list.Cast<object?>(),
            _ => throw new JinjaException($"Line {line}: '{Py.TypeName(value)}' object is not iterable."),
        };

        public object? Evaluate(Expr expr, Scope scope)
        {
            switch (expr)
            {
                case LiteralExpr l:
                    return l.Value;
                case NameExpr n:
                    return scope.TryGet(n.Name, out var value) ? value : new Undefined(n.Name);
                case ListExpr list:
                    return list.Items.Select(i => Evaluate(i, scope)).ToList();
                case DictExpr dict:
                    return Py.ToDict(dict.Items.Select(p => new KeyValuePair<string, object?>(Py.Str(Evaluate(p.Key, scope)), Evaluate(p.Value, scope))));
                case AttributeExpr a:
                    return GetAttribute(Evaluate(a.Target, scope), a.Name, a.Line);
                case ItemExpr i:
                    return GetItem(Evaluate(i.Target, scope), Evaluate(i.Index, scope), i.Line);
                case SliceExpr s:
                    return Slice(Evaluate(s.Target, scope), s.Start is null ? null : Evaluate(s.Start, scope), s.Stop is null ? null : Evaluate(s.Stop, scope), s.Step is null ? null : Evaluate(s.Step, scope), s.Line);
                case CallExpr c:
                    {
                        var target = Evaluate(c.Target, scope);
                        if (target is not JinjaCallable callable)
                        {
                            throw new JinjaException($"Line {c.Line}: {Describe(c.Target)} is not callable ({Py.TypeName(target)}).");
                        }

                        return callable.Invoke(Arguments(c.Arguments, c.Named, scope));
                    }

                case FilterExpr f:
                    return JinjaFilters.Apply(f.Name, Evaluate(f.Target, scope), Arguments(f.Arguments, f.Named, scope), f.Line, this, scope);
                case TestExpr t:
                    {
                        var result = JinjaFilters.Test(t.Name, Evaluate(t.Target, scope), [.. t.Arguments.Select(a => Evaluate(a, scope))], t.Line);
                        return t.Negated ? !result : result;
                    }

                case UnaryExpr u:
                    {
                        var operand = Evaluate(u.Operand, scope);
                        return u.Operator switch
                        {
                            "not" => !Py.Truthy(operand),
                            "-" => operand is long l ? (object)(-l) : -Py.ToDouble(Defined(operand, u.Line)),
                            _ => operand is long or double ? operand : Py.ToDouble(Defined(operand, u.Line)),
                        };
                    }

                case BinaryExpr b:
                    return EvaluateBinary(b, scope);
                case ConditionalExpr c:
                    return Py.Truthy(Evaluate(c.Condition, scope))
                        ? Evaluate(c.Then, scope)
                        : c.Else is null ? new Undefined("conditional") : Evaluate(c.Else, scope);
                default:
                    throw new JinjaException($"Line {expr.Line}: cannot evaluate {expr.GetType().Name}.");
            }
        }

        private static string Describe(Expr expr) => expr switch
        {
            NameExpr n => "'" + n.Name + "'",
            AttributeExpr a => "'" + a.Name + "'",
            _ => "the expression",
        };

        private JinjaArguments Arguments(IReadOnlyList<Expr> positional, IReadOnlyList<(string Name, Expr Value)> named, Scope scope) =>
            new([.. positional.Select(a => Evaluate(a, scope))], named.Count == 0 ? JinjaArguments.NoNames : named.ToDictionary(n => n.Name, n => Evaluate(n.Value, scope)));

        private static object? Defined(object? value, int line) =>
            value is Undefined u ? throw new JinjaException($"Line {line}: '{u.Name}' is undefined.") : value;

        private object? EvaluateBinary(BinaryExpr b, Scope scope)
        {
            if (b.Operator == "and")
            {
                var left = Evaluate(b.Left, scope);
                return Py.Truthy(left) ? Evaluate(b.Right, scope) : left;
            }

            if (b.Operator == "or")
            {
                var left = Evaluate(b.Left, scope);
                return Py.Truthy(left) ? left : Evaluate(b.Right, scope);
            }

            var l = Evaluate(b.Left, scope);
            var r = Evaluate(b.Right, scope);
            switch (b.Operator)
            {
                case "==": return Py.Equals(l, r);
                case "!=": return !Py.Equals(l, r);
                case "~": return Py.Str(l) + Py.Str(r);
                case "in": return Contains(r, l, b.Line);
                case "not in": return !Contains(r, l, b.Line);
            }

            Defined(l, b.Line);
            Defined(r, b.Line);
            switch (b.Operator)
            {
                case "<": return Py.Compare(l, r) < 0;
                case ">": return Py.Compare(l, r) > 0;
                case "<=": return Py.Compare(l, r) <= 0;
                case ">=": return Py.Compare(l, r) >= 0;
                case "+":
                    if (l is string ls && r is string rs)
                    {
                        return ls + rs;
                    }

                    if (l is List<object?> ll && r is List<object?> rl)
                    {
                        return ll.Cast<object?>().Concat(rl.Cast<object?>()).ToList();
                    }

                    return Arithmetic(b, l, r);
                case "*":
                    if (l is string repeated && r is long times)
                    {
                        return string.Concat(Enumerable.Repeat(repeated, (int)Math.Max(0, times)));
                    }

                    if (l is List<object?> repeatedList && r is long count)
                    {
                        return Enumerable.Repeat(repeatedList.Cast<object?>(), (int)Math.Max(0, count)).SelectMany(x => x).ToList();
                    }

                    return Arithmetic(b, l, r);
                default:
                    return Arithmetic(b, l, r);
            }
        }

        private static object? Arithmetic(BinaryExpr b, object? l, object? r)
        {
            if (!Py.IsNumber(l) || !Py.IsNumber(r))
            {
                throw new JinjaException($"Line {b.Line}: unsupported operand types for {b.Operator}: '{Py.TypeName(l)}' and '{Py.TypeName(r)}'.");
            }

            var integers = l is long or bool && r is long or bool;
            if (integers)
            {
                var x = (long)Py.ToDouble(l);
                var y = (long)Py.ToDouble(r);
                switch (b.Operator)
                {
                    case "+": return x + y;
                    case "-": return x - y;
                    case "*": return x * y;
                    case "/": return y == 0 ? throw new JinjaException($"Line {b.Line}: division by zero.") : (double)x / y;
                    case "//": return y == 0 ? throw new JinjaException($"Line {b.Line}: division by zero.") : (long)Math.Floor((double)x / y);
                    case "%": return y == 0 ? throw new JinjaException($"Line {b.Line}: modulo by zero.") : ((x % y) + y) % y;
                    case "**": return y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y);
                }
            }

            var a = Py.ToDouble(l);
            var c = Py.ToDouble(r);
            return b.Operator switch
            {
                "+" => a + c,
                "-" => a - c,
                "*" => a * c,
                "/" => c == 0 ? throw new JinjaException($"Line {b.Line}: division by zero.") : a / c,
                "//" => Math.Floor(a / c),
                "%" => a - (c * Math.Floor(a / c)),
                "**" => Math.Pow(a, c),
                _ => throw new JinjaException($"Line {b.Line}: unknown operator {b.Operator}."),
            };
        }

        private static bool Contains(object? container, object? item, int line) => container switch
        {
            string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw new JinjaException($"Line {line}: 'in <string>' requires a string, not {Py.TypeName(item)}."),
            OrderedDictionary<string, object?> d => item is string key && d.ContainsKey(key),
            JinjaNamespace ns => item is string key && ns.Values.ContainsKey(key),
            List<object?> list => list.Cast<object?>().Any(x => Py.Equals(x, item)),
            Undefined => false,
            _ => throw new JinjaException($"Line {line}: argument of type '{Py.TypeName(container)}' is not iterable."),
        };

        // Jinja's getattr: a Python attribute (a method) first, then the item of that name.
        public object? GetAttribute(object? target, string name, int line)
        {
            if (target is Undefined u)
            {
                return template.Strict ? throw new JinjaException($"Line {line}: '{u.Name}' is undefined (reading .{name}).") : new Undefined(u.Name + "." + name);
            }

            if (JinjaMethods.Bind(target, name) is { } method)
            {
                return method;
            }

            return target switch
            {
                OrderedDictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : new Undefined(name),
                JinjaNamespace ns => ns.Values.TryGetValue(name, out var v) ? v : new Undefined(name),
                LoopInfo loop => loop.Get(name),
                _ => new Undefined(name),
            };
        }

        // Jinja's subscript: the item first, then the attribute of that name.
        public object? GetItem(object? target, object? index, int line)
        {
            switch (target)
            {
                case Undefined u:
                    return template.Strict ? throw new JinjaException($"Line {line}: '{u.Name}' is undefined (reading [{Py.Repr(index)}]).") : new Undefined(u.Name + "[" + Py.Repr(index) + "]");
                case OrderedDictionary<string, object?> d when index is string key:
                    return d.TryGetValue(key, out var v) ? v : GetAttribute(target, key, line);
                case List<object?> list when index is long or bool:
                    {
                        var i = (long)Py.ToDouble(index);
                        if (i < 0)
                        {
                            i += list.Count;
                        }

                        return i >= 0 && i < list.Count ? list[(int)i] : new Undefined($"[{index}]");
                    }

                case string s when index is long or bool:
                    {
                        var runes = s.EnumerateRunes().ToList();
                        var i = (long)Py.ToDouble(index);
                        if (i < 0)
                        {
                            i += runes.Count;
                        }

                        return i >= 0 && i < runes.Count ? runes[(int)i].ToString() : new Undefined($"[{index}]");
                    }

                default:
                    return index is string name ? GetAttribute(target, name, line) : new Undefined($"[{Py.Repr(index)}]");
            }
        }

        private static object? Slice(object? target, object? start, object? stop, object? step, int line)
        {
            List<object?> items;
            var isString = false;
            switch (target)
            {
                case string s:
                    items = [.. s.EnumerateRunes().Select(r => (object?)r.ToString())];
                    isString = true;
                    break;
                case List<object?> list:
                    items = [.. list.Cast<object?>()];
                    break;
                case Undefined:
                    return target;
                default:
                    throw new JinjaException($"Line {line}: cannot slice {Py.TypeName(target)}.");
            }

            static long? Index(object? v) => v is null or Undefined ? null : (long)Py.ToDouble(v);
            var n = items.Count;
            var k = Index(step) ?? 1;
            if (k == 0)
            {
                throw new JinjaException($"Line {line}: slice step cannot be zero.");
            }

            long Clamp(long? v, long low, long high, long fallback)
            {
                if (v is not { } x)
                {
                    return fallback;
                }

                if (x < 0)
                {
                    x += n;
                }

                return Math.Clamp(x, low, high);
            }

            var result = new List<object?>();
            if (k > 0)
            {
                var from = Clamp(Index(start), 0, n, 0);
                var to = Clamp(Index(stop), 0, n, n);
                for (var i = from; i < to; i += k)
                {
                    result.Add(items[(int)i]);
                }
            }
            else
            {
                var from = Clamp(Index(start), -1, n - 1, n - 1);
                var to = Clamp(Index(stop), -1, n - 1, -1);
                for (var i = from; i > to; i += k)
                {
                    result.Add(items[(int)i]);
                }
            }

            return isString ? string.Concat(result.Cast<string>()) : result;
        }
    }
}
