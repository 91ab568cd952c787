using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Offswitch.Models;

/// <summary>One recorded assistant turn of a replay file.</summary>
internal sealed record ReplayTurn(string? Text, string? Reasoning, IReadOnlyList<(string Name, IDictionary<string, object?> Arguments)> ToolCalls);

/// <summary>
/// Replays assistant turns from a JSONL file, one per line:
/// <c>{"text": "...", "reasoning": "...", "tool_calls": [{"name": "bash", "arguments": {"command": "ls"}}]}</c>.
/// Each instance has its own cursor (one instance per trial). When the turns run out it answers with an empty message.
/// </summary>
internal sealed class ReplayChatClient(IReadOnlyList<ReplayTurn> turns, string source) : CompletedResponseChatClient
{
    private int _next;

    public static IReadOnlyList<ReplayTurn> Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException ex)
        {
            throw new ModelConfigurationException($"Cannot read replay file '{path}': {ex.Message}");
        }

        var turns = new List<ReplayTurn>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                turns.Add(ParseTurn(lines[i]));
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                throw new ModelConfigurationException($"Replay file '{path}', line {i + 1}: {ex.Message}");
            }
        }

        return turns;
    }

    private static ReplayTurn ParseTurn(string line)
    {
        var node = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("expected a JSON object per line");
        foreach (var key in node.Select(p => p.Key))
        {
            if (key is not ("text" or "reasoning" or "tool_calls"))
            {
                throw new FormatException($"unknown field '{key}' (allowed: text, reasoning, tool_calls)");
            }
        }

        var calls = new List<(string, IDictionary<string, object?>)>();
        if (node["tool_calls"] is { } callsNode)
        {
            if (callsNode is not JsonArray array)
            {
                throw new FormatException("'tool_calls' must be an array");
            }

            foreach (var item in array)
            {
                if (item is not JsonObject call || call["name"]?.GetValueKind() != JsonValueKind.String)
                {
                    throw new FormatException("each tool call needs a string 'name'");
                }

                var arguments = call["arguments"] switch
                {
                    null => new Dictionary<string, object?>(),
                    JsonObject args => args.ToDictionary(p => p.Key, p => (object?)(p.Value is null ? null : JsonSerializer.SerializeToElement(p.Value))),
                    _ => throw new FormatException("'arguments' must be a JSON object"),
                };
                calls.Add((call["name"]!.GetValue<string>(), arguments));
            }
        }

        return new ReplayTurn(OptionalString(node, "text"), OptionalString(node, "reasoning"), calls);
    }

    private static string? OptionalString(JsonObject node, string name) => node[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new FormatException($"'{name}' must be a string"),
    };

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var index = Interlocked.Increment(ref _next) - 1;
        var contents = new List<AIContent>();
        if (index < turns.Count)
        {
            var turn = turns[index];
            if (turn.Reasoning is not null)
            {
                contents.Add(new TextReasoningContent(turn.Reasoning));
            }

            if (turn.Text is not null)
            {
                contents.Add(new TextContent(turn.Text));
            }

            for (var c = 0; c < turn.ToolCalls.Count; c++)
            {
                var (name, arguments) = turn.ToolCalls[c];
                contents.Add(new FunctionCallContent($"replay_{index + 1}_{c + 1}", name, new Dictionary<string, object?>(arguments)));
            }
        }

        var calls = contents.OfType<FunctionCallContent>().Any();
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = "replay:" + source,
            FinishReason = calls ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        });
    }
}
