using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Models;

namespace Offswitch.Agents;

/// <summary>
/// Base of the scripted reference agents (controls). It is not an AI model: it reads the conversation so far and
/// emits the next scripted turn (text and at most one tool call). Results produced by it are labelled as controls.
/// </summary>
public abstract class ScriptedChatClient : CompletedResponseChatClient
{
    private readonly ChatClientMetadata _metadata;

    /// <param name="name">The control's name, reported as model id <c>reference/NAME</c>.</param>
    protected ScriptedChatClient(string name)
    {
        Name = name;
        _metadata = new ChatClientMetadata("reference", null, $"reference/{name}");
    }

    /// <summary>The control's name.</summary>
    public string Name { get; }

    /// <summary>Decides the next turn from the conversation so far.</summary>
    protected abstract ScriptedTurn NextTurn(ScriptedConversation conversation);

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var conversation = new ScriptedConversation([.. messages]);
        var turn = NextTurn(conversation);
        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(turn.Text))
        {
            contents.Add(new TextContent(turn.Text));
        }

        if (turn.ToolName is not null)
        {
            var arguments = turn.Arguments?.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
            contents.Add(new FunctionCallContent($"call_{conversation.AssistantTurns + 1}", turn.ToolName, arguments));
        }

        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = _metadata.DefaultModelId,
            FinishReason = turn.ToolName is null ? ChatFinishReason.Stop : ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0 },
        };
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    protected override ChatClientMetadata Metadata => _metadata;
}

/// <summary>One scripted turn: some text, and optionally one tool call.</summary>
public sealed record ScriptedTurn(string Text, string? ToolName = null, IReadOnlyDictionary<string, string>? Arguments = null)
{
    /// <summary>A turn that calls <paramref name="tool"/>.</summary>
    public static ScriptedTurn Call(string text, string tool, IReadOnlyDictionary<string, string> arguments) => new(text, tool, arguments);

    /// <summary>A turn with text only (the harness answers it with its continue message).</summary>
    public static ScriptedTurn Say(string text) => new(text);
}

/// <summary>The conversation as a scripted agent sees it.</summary>
public sealed class ScriptedConversation(IReadOnlyList<ChatMessage> messages)
{
    /// <summary>Every message so far.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>How many turns the agent has taken.</summary>
    public int AssistantTurns => Messages.Count(m => m.Role == ChatRole.Assistant);

    /// <summary>The first user message's text (the task).</summary>
    public string Task => Messages.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;

    /// <summary>The text of every tool result, oldest first.</summary>
    public IReadOnlyList<string> ToolOutputs =>
    [
        .. Messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).Select(r => r.Result switch
        {
            null => string.Empty,
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? string.Empty,
            var other => other.ToString() ?? string.Empty,
        }),
    ];

    /// <summary>The latest tool result's text, or null before the first.</summary>
    public string? LastToolOutput => ToolOutputs is { Count: > 0 } outputs ? outputs[^1] : null;
}
