using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>
/// The searchable text of one trial, split by where it came from so a search can say what it matched: messages
/// (system, user and assistant text), the model's reasoning, tool-call arguments (commands), tool outputs, and the
/// environment's event lines.
/// </summary>
public sealed record TranscriptText(string Messages, string Reasoning, string Commands, string Outputs, string Events)
{
    /// <summary>Extracts the searchable text of a stored trial.</summary>
    public static TranscriptText Of(IReadOnlyList<ChatMessage> messages, IReadOnlyList<TrialEvent> events)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(events);
        StringBuilder text = new(), reasoning = new(), commands = new(), outputs = new(), lines = new();
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent t:
                        Append(text, t.Text);
                        break;
                    case TextReasoningContent r:
                        Append(reasoning, r.Text);
                        break;
                    case FunctionCallContent call:
                        Append(commands, call.Arguments is null
                            ? call.Name
                            : string.Join('\n', call.Arguments.Values.Select(ArgumentText)));
                        break;
                    case FunctionResultContent result:
                        Append(outputs, ArgumentText(result.Result));
                        break;
                    default:
                        break;
                }
            }
        }

        foreach (var e in events)
        {
            // Tool calls and results are already indexed from the messages; model calls carry no words worth finding.
            if (e.Kind is not (TrialEventKinds.ToolCall or TrialEventKinds.ToolResult or TrialEventKinds.ModelCall))
            {
                Append(lines, e.Summary);
            }
        }

        return new(text.ToString(), reasoning.ToString(), commands.ToString(), outputs.ToString(), lines.ToString());
    }

    private static void Append(StringBuilder builder, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (builder.Length > 0)
        {
            builder.Append('\n');
        }

        builder.Append(value);
    }

    private static string ArgumentText(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(value, JsonDefaults.Options),
    };
}
