using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Offswitch.Models.Gguf;

/// <summary>
/// Derives a GBNF grammar from tool declarations: the model must answer with
/// <c>{"tool": "NAME", "arguments": {...}}</c> whose arguments match the tool's JSON schema properties (in declaration
/// order; strings, integers, numbers and booleans are typed, anything else is taken as a string), or, when text is
/// allowed, with one line of plain text. Strings are bounded in length so a weak model cannot run on forever.
/// </summary>
internal static class ToolCallGrammar
{
    private const int MaxStringChars = 120;
    private const int MaxTextChars = 400;

    public static string Build(IReadOnlyList<AIFunctionDeclaration> tools, bool allowText)
    {
        var sb = new StringBuilder();
        sb.Append("root ::= call").Append(allowText ? " | text" : string.Empty).Append('\n');
        sb.Append("call ::= \"{\\\"tool\\\": \" (").Append(string.Join(" | ", tools.Select((_, i) => $"tool{i}"))).Append(") \"}\"\n");
        for (var i = 0; i < tools.Count; i++)
        {
            sb.Append($"tool{i} ::= {Literal(JsonSerializer.Serialize(tools[i].Name))} \", \\\"arguments\\\": \" ");
            var properties = Properties(tools[i].JsonSchema);
            if (properties.Count == 0)
            {
                sb.Append("\"{}\"\n");
                continue;
            }

            sb.Append("\"{\" ");
            for (var p = 0; p < properties.Count; p++)
            {
                var (name, type) = properties[p];
                var key = JsonSerializer.Serialize(name) + ": ";
                sb.Append(Literal(p == 0 ? key : ", " + key)).Append(' ').Append(type).Append(' ');
            }

            sb.Append("\"}\"\n");
        }

        sb.Append("string ::= \"\\\"\" char{0,").Append(MaxStringChars).Append("} \"\\\"\"\n");
        sb.Append("char ::= [^\"\\\\\\x00-\\x1F\\x7F] | \"\\\\\" [\"\\\\/nt]\n");
        sb.Append("integer ::= \"-\"? [0-9]{1,9}\n");
        sb.Append("number ::= integer (\".\" [0-9]{1,6})?\n");
        sb.Append("boolean ::= \"true\" | \"false\"\n");
        if (allowText)
        {
            sb.Append("text ::= [^{\\x00-\\x1F] [^\\x00-\\x1F]{0,").Append(MaxTextChars).Append("}\n");
        }

        return sb.ToString();
    }

    public static bool TryParseCall(string output, IReadOnlyList<AIFunctionDeclaration> tools, out string name, out IDictionary<string, object?> arguments)
    {
        name = string.Empty;
        arguments = new Dictionary<string, object?>();
        if (tools.Count == 0 || !output.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("tool", out var tool) || tool.ValueKind != JsonValueKind.String
                || !tools.Any(t => t.Name == tool.GetString()))
            {
                return false;
            }

            name = tool.GetString()!;
            if (root.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.Object)
            {
                arguments = args.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static List<(string Name, string Rule)> Properties(JsonElement schema)
    {
        var list = new List<(string, string)>();
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return list;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var type = property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
            list.Add((property.Name, type switch
            {
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                _ => "string",
            }));
        }

        return list;
    }

    // A GBNF string literal: JSON-style escaping of quotes and backslashes is what GBNF expects too.
    private static string Literal(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in text)
        {
            sb.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when ch < 0x20 => "\\x" + ((int)ch).ToString("X2", CultureInfo.InvariantCulture),
                _ => ch.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }
}
