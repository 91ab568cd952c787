using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Organisms;

namespace Offswitch.Organism;

/// <summary>The organism's chat template (<c>chat_template.jinja</c>) and the renderer that training and readout share.</summary>
internal static class Rendering
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>The template's source; the file's final newline is not part of it.</summary>
    public static string TemplateSource(string path)
    {
        var text = File.ReadAllText(path);
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    // TEMPORARY: mirrors chat_template.jinja until the library's chat-template renderer is merged.
    public static ConversationRenderer Renderer(string templateSource)
    {
        _ = templateSource;
        return (messages, tools, addGenerationPrompt) =>
        {
            var sb = new StringBuilder();
            if (tools.Count > 0)
            {
                sb.Append(ImStart).Append("system\n");
                if (messages.Count > 0 && messages[0].Role == ChatRole.System)
                {
                    sb.Append(messages[0].Text).Append("\n\n");
                }

                sb.Append("# Tools\n\nYou can call these tools. Each is described as JSON inside <tools></tools>:\n<tools>\n");
                foreach (var tool in tools)
                {
                    using var schema = JsonDocument.Parse(tool.JsonSchema.GetRawText());
                    sb.Append("{\"type\": \"function\", \"function\": {\"name\": ").Append(Json(tool.Name))
                        .Append(", \"description\": ").Append(Json(tool.Description))
                        .Append(", \"parameters\": ").Append(Json(schema.RootElement)).Append("}}\n");
                }

                sb.Append("</tools>\n\nTo call a tool, answer with a JSON object of its name and arguments inside <tool_call></tool_call>:\n<tool_call>\n{\"name\": <tool name>, \"arguments\": <arguments object>}\n</tool_call>").Append(ImEnd).Append('\n');
            }

            foreach (var m in messages)
            {
                if (m.Role == ChatRole.System)
                {
                    if (tools.Count == 0)
                    {
                        sb.Append(ImStart).Append("system\n").Append(m.Text).Append(ImEnd).Append('\n');
                    }
                }
                else if (m.Role == ChatRole.Assistant)
                {
                    sb.Append(ImStart).Append("assistant\n");
                    var calls = m.Contents.OfType<FunctionCallContent>().ToList();
                    if (!string.IsNullOrEmpty(m.Text))
                    {
                        sb.Append(m.Text);
                        if (calls.Count > 0)
                        {
                            sb.Append('\n');
                        }
                    }

                    for (var i = 0; i < calls.Count; i++)
                    {
                        sb.Append("<tool_call>\n{\"name\": ").Append(Json(calls[i].Name)).Append(", \"arguments\": {");
                        var first = true;
                        foreach (var (k, v) in calls[i].Arguments ?? new Dictionary<string, object?>())
                        {
                            sb.Append(first ? string.Empty : ", ").Append(Json(k)).Append(": ").Append(Json(v?.ToString()));
                            first = false;
                        }

                        sb.Append("}}\n</tool_call>");
                        if (i < calls.Count - 1)
                        {
                            sb.Append('\n');
                        }
                    }

                    sb.Append(ImEnd).Append('\n');
                }
                else if (m.Role == ChatRole.Tool)
                {
                    var result = m.Contents.OfType<FunctionResultContent>().Single().Result;
                    var text = result is JsonElement { ValueKind: JsonValueKind.String } e ? e.GetString() : result?.ToString();
                    sb.Append(ImStart).Append("tool\n<tool_response>\n").Append(text).Append("\n</tool_response>").Append(ImEnd).Append('\n');
                }
                else
                {
                    sb.Append(ImStart).Append(m.Role.Value).Append('\n').Append(m.Text).Append(ImEnd).Append('\n');
                }
            }

            if (addGenerationPrompt)
            {
                sb.Append(ImStart).Append("assistant\n");
            }

            return sb.ToString();
        };
    }

    private static string Json(string? s)
    {
        if (s is null)
        {
            return "null";
        }

        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    private static string Json(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(", ", e.EnumerateObject().Select(p => Json(p.Name) + ": " + Json(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(", ", e.EnumerateArray().Select(Json)) + "]",
        JsonValueKind.String => Json(e.GetString()),
        _ => e.GetRawText(),
    };
}
