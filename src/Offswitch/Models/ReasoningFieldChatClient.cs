using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Offswitch.Models;

/// <summary>
/// Keeps the reasoning text that OpenAI-compatible servers (vLLM, llama.cpp, DeepSeek, OpenRouter, Ollama) return in the
/// non-standard <c>reasoning_content</c> or <c>reasoning</c> field of a chat completion message. Microsoft.Extensions.AI
/// maps <c>reasoning_content</c> itself but not <c>reasoning</c>; the OpenAI SDK keeps unknown fields in the raw
/// completion, so when nothing was mapped this reads them back from the completion's own JSON and adds a
/// <see cref="TextReasoningContent"/> in front of the assistant message.
/// </summary>
internal sealed class ReasoningFieldChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (ArgumentOutOfRangeException)
        {
            // The OpenAI adapter reads choices[0]; a completion with no choices surfaces as this exception. Return it as
            // the empty response it is, so the agent loop's empty-response handling (ask again, then error) applies.
            return new ChatResponse(new List<ChatMessage>());
        }

        AddReasoning(response);
        return response;
    }

    internal static void AddReasoning(ChatResponse response)
    {
        if (response.RawRepresentation is not OpenAI.Chat.ChatCompletion completion
            || response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Any())
        {
            return;
        }

        var reasoning = ReadReasoning(ModelReaderWriter.Write(completion, ModelReaderWriterOptions.Json));
        if (reasoning is null)
        {
            return;
        }

        var message = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant);
        if (message is null)
        {
            message = new ChatMessage(ChatRole.Assistant, []);
            response.Messages.Add(message);
        }

        message.Contents.Insert(0, new TextReasoningContent(reasoning));
    }

    internal static string? ReadReasoning(BinaryData json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in new[] { "reasoning_content", "reasoning" })
                {
                    if (message.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                    {
                        return text;
                    }
                }
            }
        }

        return null;
    }
}
