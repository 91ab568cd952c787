using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Offswitch.Models.Gguf;

/// <summary>How a model family writes tool calls in its own turns (what its chat template renders for <c>tool_calls</c>).</summary>
public enum ToolCallFormat
{
    /// <summary>The template renders no tool calls: the model's output is text.</summary>
    None,

    /// <summary>Qwen2.5 / Hermes: <c>&lt;tool_call&gt;\n{"name": …, "arguments": {…}}\n&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,

    /// <summary>Llama 3.1 / 3.2: the whole turn is <c>{"name": …, "parameters": {…}}</c>, possibly after <c>&lt;|python_tag|&gt;</c>.</summary>
    Llama3Json,

    /// <summary>Mistral (Instruct v0.3, Nemo): <c>[TOOL_CALLS][{"name": …, "arguments": {…}, "id": …}, …]</c>.</summary>
    MistralJson,

    /// <summary>Newer Mistral templates (Small 3.2, Magistral, Devstral): <c>[TOOL_CALLS]name[ARGS]{…}</c>, repeated per call.</summary>
    MistralNamed,
}

/// <summary>
/// Reads a model's output in its family's native tool-call format: well-formed calls to declared tools become
/// <see cref="FunctionCallContent"/>s; anything else (an unknown tool, broken JSON, an unclosed block) stays text,
/// so the harness sees exactly what the model wrote. <c>&lt;think&gt;…&lt;/think&gt;</c> becomes
/// <see cref="TextReasoningContent"/>.
/// </summary>
public static partial class NativeToolCalls
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Detects the format from the template text: the markers each family's template writes around a call.</summary>
    public static ToolCallFormat Detect(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Contains("[TOOL_CALLS]", StringComparison.Ordinal))
        {
            return template.Contains("[ARGS]", StringComparison.Ordinal) ? ToolCallFormat.MistralNamed : ToolCallFormat.MistralJson;
        }

        if (template.Contains("<tool_call>", StringComparison.Ordinal))
        {
            return ToolCallFormat.Hermes;
        }

        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal)
            && (template.Contains("<|python_tag|>", StringComparison.Ordinal) || template.Contains("\"parameters\"", StringComparison.Ordinal)))
        {
            return ToolCallFormat.Llama3Json;
        }

        return ToolCallFormat.None;
    }

    /// <summary>True when <paramref name="id"/> is what Mistral's templates require: 9 ASCII letters or digits.</summary>
    public static bool IsMistralId(string id) => id.Length == 9 && id.All(c => char.IsAsciiLetterOrDigit(c));

    /// <summary>A 9-character alphanumeric id derived from <paramref name="text"/> (stable: the same text, the same id).</summary>
    public static string MistralIdFor(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new string([.. hash.Take(9).Select(b => Alphanumerics[b % Alphanumerics.Length])]);
    }

    /// <summary>
    /// Splits <paramref name="output"/> into reasoning, text and calls. <paramref name="newId"/> gives the id of the
    /// n-th call of the turn (0-based) when the model wrote none; ids must suit the template that renders them back
    /// (<see cref="MistralIdFor"/> suits every supported family).
    /// </summary>
    public static IList<AIContent> Parse(string output, ToolCallFormat format, IReadOnlyList<AIFunctionDeclaration> tools, Func<int, string> newId)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(newId);
        var contents = new List<AIContent>();
        var text = ExtractReasoning(output, contents);
        var declared = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var calls = new List<FunctionCallContent>();
        string rest = format switch
        {
            ToolCallFormat.Hermes => ParseHermes(text, declared, calls, newId),
            ToolCallFormat.Llama3Json => ParseLlama(text, declared, calls, newId),
            ToolCallFormat.MistralJson => ParseMistralJson(text, declared, calls, newId),
            ToolCallFormat.MistralNamed => ParseMistralNamed(text, declared, calls, newId),
            _ => text,
        };
        rest = rest.Trim();
        if (rest.Length > 0)
        {
            contents.Add(new TextContent(rest));
        }

        contents.AddRange(calls);
        return contents;
    }

    private static string ExtractReasoning(string output, List<AIContent> contents)
    {
        var end = output.IndexOf("</think>", StringComparison.Ordinal);
        if (end < 0)
        {
            return output;
        }

        var start = output.IndexOf("<think>", StringComparison.Ordinal);
        // A template whose generation prompt opens <think> itself leaves only the closing tag in the output.
        var reasoningStart = start >= 0 && start < end ? start + "<think>".Length : 0;
        var before = start >= 0 && start < end ? output[..start] : string.Empty;
        var reasoning = output[reasoningStart..end].Trim();
        if (reasoning.Length > 0)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        return before + output[(end + "</think>".Length)..];
    }

    [GeneratedRegex(@"<tool_call>(.*?)</tool_call>", RegexOptions.Singleline)]
    private static partial Regex HermesBlock();

    private static string ParseHermes(string text, HashSet<string> declared, List<FunctionCallContent> calls, Func<int, string> newId)
    {
        var rest = new StringBuilder();
        var position = 0;
        foreach (Match match in HermesBlock().Matches(text))
        {
            rest.Append(text, position, match.Index - position);
            if (TryCall(match.Groups[1].Value.Trim(), "arguments", declared, calls.Count, newId, out var call))
            {
                calls.Add(call);
            }
            else
            {
                rest.Append(match.Value);
            }

            position = match.Index + match.Length;
        }

        return rest.Append(text, position, text.Length - position).ToString();
    }

    private static string ParseLlama(string text, HashSet<string> declared, List<FunctionCallContent> calls, Func<int, string> newId)
    {
        var body = text.Trim();
        if (body.StartsWith("<|python_tag|>", StringComparison.Ordinal))
        {
            body = body["<|python_tag|>".Length..].Trim();
        }

        if (!body.StartsWith('{'))
        {
            return text;
        }

        // One call per turn is what the template renders; several objects separated by ';' are also read.
        var found = new List<FunctionCallContent>();
        foreach (var part in SplitJsonObjects(body))
        {
            if (part is null || !TryCall(part, "parameters", declared, found.Count, newId, out var call))
            {
                return text;
            }

            found.Add(call);
        }

        calls.AddRange(found);
        return string.Empty;
    }

    private static string ParseMistralJson(string text, HashSet<string> declared, List<FunctionCallContent> calls, Func<int, string> newId)
    {
        var marker = text.IndexOf("[TOOL_CALLS]", StringComparison.Ordinal);
        if (marker < 0)
        {
            return text;
        }

        var json = text[(marker + "[TOOL_CALLS]".Length)..].Trim();
        try
        {
            using var document = JsonDocument.Parse(json);
            var items = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().ToList() : [document.RootElement];
            var found = new List<FunctionCallContent>();
            foreach (var item in items)
            {
                if (!TryCall(item, "arguments", declared, found.Count, newId, out var call))
                {
                    return text;
                }

                found.Add(call);
            }

            calls.AddRange(found);
            return text[..marker];
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static string ParseMistralNamed(string text, HashSet<string> declared, List<FunctionCallContent> calls, Func<int, string> newId)
    {
        var marker = text.IndexOf("[TOOL_CALLS]", StringComparison.Ordinal);
        if (marker < 0)
        {
            return text;
        }

        var found = new List<FunctionCallContent>();
        foreach (var segment in text[(marker + "[TOOL_CALLS]".Length)..].Split("[TOOL_CALLS]"))
        {
            var args = segment.IndexOf("[ARGS]", StringComparison.Ordinal);
            if (args < 0)
            {
                return text;
            }

            var name = segment[..args];
            string? id = null;
            var callId = name.IndexOf("[CALL_ID]", StringComparison.Ordinal);
            if (callId >= 0)
            {
                id = name[(callId + "[CALL_ID]".Length)..].Trim();
                name = name[..callId];
            }

            name = name.Trim();
            var arguments = ParseArguments(segment[(args + "[ARGS]".Length)..].Trim());
            if (!declared.Contains(name) || arguments is null)
            {
                return text;
            }

            found.Add(new FunctionCallContent(string.IsNullOrEmpty(id) ? newId(found.Count) : id, name, arguments));
        }

        calls.AddRange(found);
        return text[..marker];
    }

    private static bool TryCall(string json, string argumentsKey, HashSet<string> declared, int index, Func<int, string> newId, out FunctionCallContent call)
    {
        call = null!;
        try
        {
            using var document = JsonDocument.Parse(json);
            return TryCall(document.RootElement, argumentsKey, declared, index, newId, out call);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryCall(JsonElement element, string argumentsKey, HashSet<string> declared, int index, Func<int, string> newId, out FunctionCallContent call)
    {
        call = null!;
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !declared.Contains(name.GetString()!))
        {
            return false;
        }

        IDictionary<string, object?>? arguments = new Dictionary<string, object?>();
        if (element.TryGetProperty(argumentsKey, out var args) || element.TryGetProperty("arguments", out args))
        {
            arguments = args.ValueKind switch
            {
                JsonValueKind.Object => ToArguments(args),
                // Some models write the arguments as a JSON string, as OpenAI's wire format does.
                JsonValueKind.String => ParseArguments(args.GetString()!),
                _ => null,
            };
        }

        if (arguments is null)
        {
            return false;
        }

        var id = element.TryGetProperty("id", out var given) && given.ValueKind == JsonValueKind.String && given.GetString()!.Length > 0
            ? given.GetString()!
            : newId(index);
        call = new FunctionCallContent(id, name.GetString()!, arguments);
        return true;
    }

    private static Dictionary<string, object?>? ParseArguments(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? ToArguments(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, object?> ToArguments(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);

    // Top-level JSON objects in sequence, separated by whitespace or ';'. A null entry marks text that is not one.
    private static IEnumerable<string?> SplitJsonObjects(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ';'))
            {
                i++;
            }

            if (i >= text.Length)
            {
                yield break;
            }

            if (text[i] != '{')
            {
                yield return null;
                yield break;
            }

            var depth = 0;
            var inString = false;
            var start = i;
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (inString)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        inString = false;
                    }
                }
                else if (c == '"')
                {
                    inString = true;
                }
                else if (c == '{')
                {
                    depth++;
                }
                else if (c == '}' && --depth == 0)
                {
                    i++;
                    break;
                }
            }

            yield return depth == 0 ? text[start..i] : null;
            if (depth != 0)
            {
                yield break;
            }
        }
    }
}
