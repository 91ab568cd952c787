using System.Reflection;
using System.Reflection.Emit;

namespace Offswitch.Tests.Architecture;

/// <summary>
/// The dependency graph between an assembly's namespaces, read from the compiled code: every type a type mentions in
/// its base type, interfaces, fields, properties, method signatures, attributes and method bodies (IL operands).
/// Compiler-generated types (closures, state machines) count for the namespace they are nested in.
/// </summary>
public sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly Dictionary<(string From, string To), SortedSet<string>> _edges = [];

    private NamespaceGraph(Func<string, string?> group) => Group = group;

    /// <summary>Maps a namespace to the node it belongs to (e.g. its first two segments); null leaves it out (generated code).</summary>
    public Func<string, string?> Group { get; }

    /// <summary>Edges: from-node → to-node, with the types that make them (e.g. "Running.TrialExecutor → Storage.TrialRecord").</summary>
    public IReadOnlyDictionary<(string From, string To), SortedSet<string>> Edges => _edges;

    public static NamespaceGraph Of(Assembly assembly, Func<string, string?> group)
    {
        var graph = new NamespaceGraph(group);
        foreach (var type in assembly.GetTypes())
        {
            graph.Add(type);
        }

        return graph;
    }

    /// <summary>Every cycle's node set (strongly connected components with more than one node).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var nodes = _edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var next = nodes.ToDictionary(n => n, n => _edges.Keys.Where(e => e.From == n).Select(e => e.To).ToList(), StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<IReadOnlyList<string>>();
        var counter = 0;

        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in next[v])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    components.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var n in nodes)
        {
            if (!index.ContainsKey(n))
            {
                Visit(n);
            }
        }

        return components;
    }

    private void Add(Type type)
    {
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        if (outer.Namespace is null)
        {
            return;
        }

        if (Group(outer.Namespace) is not { } from)
        {
            return;
        }

        var name = outer.Name;
        void Use(Type? used)
        {
            if (used is null)
            {
                return;
            }

            if (used.HasElementType)
            {
                Use(used.GetElementType());
                return;
            }

            if (used.IsGenericType && !used.IsGenericTypeDefinition)
            {
                foreach (var argument in used.GetGenericArguments())
                {
                    Use(argument);
                }

                used = used.GetGenericTypeDefinition();
            }

            if (used.IsGenericParameter || used.Assembly != type.Assembly)
            {
                return;
            }

            var target = used;
            while (target.DeclaringType is not null)
            {
                target = target.DeclaringType;
            }

            if (target.Namespace is null)
            {
                return;
            }

            var to = Group(target.Namespace);
            if (to is null || to == from)
            {
                return;
            }

            if (!_edges.TryGetValue((from, to), out var because))
            {
                _edges[(from, to)] = because = new SortedSet<string>(StringComparer.Ordinal);
            }

            because.Add(name + " → " + target.Name);
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Use(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Use(i);
        }

        foreach (var a in type.GetCustomAttributesData())
        {
            Use(a.AttributeType);
        }

        foreach (var f in type.GetFields(all))
        {
            Use(f.FieldType);
        }

        foreach (var p in type.GetProperties(all))
        {
            Use(p.PropertyType);
        }

        foreach (var e in type.GetEvents(all))
        {
            Use(e.EventHandlerType);
        }

        foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (m is MethodInfo mi)
            {
                Use(mi.ReturnType);
            }

            foreach (var p in m.GetParameters())
            {
                Use(p.ParameterType);
            }

            var body = m.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                Use(local.LocalType);
            }

            foreach (var used in Operands(m, body.GetILAsByteArray() ?? []))
            {
                Use(used);
            }
        }
    }

    // The types named by a method body's metadata-token operands (type, field, method and member references).
    private static IEnumerable<Type> Operands(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE && i + 1 < il.Length ? (short)(0xFE00 | il[i + 1]) : il[i];
            if (!OpCodesByValue.TryGetValue(value, out var op))
            {
                yield break;
            }

            i += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, i);
                    i += 4 + (4 * count);
                    break;
                case OperandType.InlineType or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    MemberInfo? member = null;
                    try
                    {
                        member = module.ResolveMember(token, typeArguments, methodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A token reflection cannot resolve without a generic context it lacks here is skipped; an
                        // edge made only by such a token would be missed.
                    }

                    switch (member)
                    {
                        case Type t:
                            yield return t;
                            break;
                        case FieldInfo f:
                            yield return f.DeclaringType!;
                            yield return f.FieldType;
                            break;
                        case MethodBase m:
                            yield return m.DeclaringType!;
                            if (m is MethodInfo mi)
                            {
                                yield return mi.ReturnType;
                                foreach (var a in mi.IsGenericMethod ? mi.GetGenericArguments() : [])
                                {
                                    yield return a;
                                }
                            }

                            break;
                    }

                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }
}
