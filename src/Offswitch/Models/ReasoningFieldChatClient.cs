using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Offswitch.Models;

/// <summary>
/// Keeps the reasoning text that OpenAI-compatible servers (vLLM, llama.cpp, DeepSeek, OpenRouter, Ollama) return in the
/// non-standard <c>reasoning_content</c> or <c>reasoning</c> field of a chat completion message, and sends it back the
/// same way. Microsoft.Extensions.AI maps <c>reasoning_content</c> itself but not <c>reasoning</c>; the OpenAI SDK keeps
/// unknown fields in the raw completion, so when nothing was mapped this reads them back from the completion's own
/// JSON and adds a <see cref="TextReasoningContent"/> in front of the assistant message. Either way the content is
/// marked with the field it came in (<see cref="FieldProperty"/>, stored with the transcript).
/// <para>
/// Outgoing, Microsoft.Extensions.AI drops reasoning from assistant messages, but DeepSeek's thinking mode rejects a
/// tool-call turn sent back without its <c>reasoning_content</c> (other servers ignore the field or feed it to the chat
/// template). So each earlier assistant turn whose reasoning came in such a field is sent with it again, in that field.
/// </para>
/// </summary>
internal sealed class ReasoningFieldChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    /// <summary>Key in <see cref="AIContent.AdditionalProperties"/> naming the message field the reasoning came in.</summary>
    public const string FieldProperty = "reasoning_field";

    private static readonly string[] Fields = ["reasoning_content", "reasoning"];

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync([.. messages.Select(WithReasoningField)], options, cancellationToken);
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
        if (response.RawRepresentation is not ChatCompletion completion)
        {
            return;
        }

        var mapped = response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().ToList();
        if (mapped.Count > 0)
        {
            // The adapter maps only reasoning_content.
            foreach (var content in mapped)
            {
                (content.AdditionalProperties ??= [])[FieldProperty] = "reasoning_content";
            }

            return;
        }

        if (ReadReasoningField(ModelReaderWriter.Write(completion, ModelReaderWriterOptions.Json)) is not { } found)
        {
            return;
        }

        var message = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant);
        if (message is null)
        {
            message = new ChatMessage(ChatRole.Assistant, []);
            response.Messages.Add(message);
        }

        message.Contents.Insert(0, new TextReasoningContent(found.Text) { AdditionalProperties = new() { [FieldProperty] = found.Field } });
    }

    internal static string? ReadReasoning(BinaryData json) => ReadReasoningField(json)?.Text;

    private static (string Field, string Text)? ReadReasoningField(BinaryData json)
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
                foreach (var name in Fields)
                {
                    if (message.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                    {
                        return (name, text);
                    }
                }
            }
        }

        return null;
    }

    /// <summary>
    /// An assistant turn whose reasoning came in a chat-completions field, converted to the SDK's message with that
    /// field set (the adapter sends a raw SDK message as it is); any other message unchanged.
    /// </summary>
    internal static ChatMessage WithReasoningField(ChatMessage message)
    {
        if (message.Role != ChatRole.Assistant || message.RawRepresentation is OpenAI.Chat.ChatMessage)
        {
            return message;
        }

        var reasoning = message.Contents.OfType<TextReasoningContent>()
            .Where(r => !string.IsNullOrEmpty(r.Text) && Field(r) is not null)
            .ToList();
        if (reasoning.Count == 0)
        {
            return message;
        }

        var field = Field(reasoning[0])!;
        var sdkMessage = MicrosoftExtensionsAIChatExtensions.AsOpenAIChatMessages([message]).Single();
        // JsonPatch is the SDK's (experimental) way to add fields it has no property for; the adapter reads
        // reasoning_content through it too.
#pragma warning disable SCME0001
        sdkMessage.Patch.Set(Encoding.UTF8.GetBytes("$." + field), string.Concat(reasoning.Select(r => r.Text)));
#pragma warning restore SCME0001
        var copy = message.Clone();
        copy.RawRepresentation = sdkMessage;
        return copy;
    }

    private static string? Field(TextReasoningContent content) =>
        content.AdditionalProperties?.TryGetValue(FieldProperty, out var value) == true
            ? value switch
            {
                string s when Fields.Contains(s) => s,
                JsonElement { ValueKind: JsonValueKind.String } e when Fields.Contains(e.GetString()) => e.GetString(),
                _ => null,
            }
            : null;
}
