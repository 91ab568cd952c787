using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf.Jinja;
using Offswitch.Trials;

namespace Offswitch.Models.Gguf;

/// <summary>
/// A model's own chat template (a GGUF's <c>tokenizer.chat_template</c>, HuggingFace's <c>chat_template</c>) and the
/// special tokens it refers to: renders a Microsoft.Extensions.AI conversation into the exact text the model was
/// trained on, as HuggingFace's <c>apply_chat_template</c> would. Messages follow HuggingFace's conventions:
/// <c>{"role", "content"}</c>; an assistant turn's calls as <c>tool_calls: [{"id", "type": "function",
/// "function": {"name", "arguments": {…}}}]</c>; each tool result as <c>{"role": "tool", "tool_call_id", "name",
/// "content"}</c>; reasoning as <c>reasoning_content</c>. Tools are passed as <c>tools=[{"type": "function",
/// "function": {"name", "description", "parameters"}}]</c>, or <c>None</c> when there are none. Thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    /// <summary>The date used by <c>strftime_now</c> unless another is given: fixed, so prompts do not change from day to day.</summary>
    public static readonly DateTime DefaultDate = new(2024, 7, 26, 0, 0, 0, DateTimeKind.Utc);

    private readonly JinjaTemplate _template;

    private ChatTemplate(JinjaTemplate template, string bosToken, string eosToken)
    {
        _template = template;
        BosToken = bosToken;
        EosToken = eosToken;
        ToolCallFormat = NativeToolCalls.Detect(template.Source);
    }

    /// <summary>The template text.</summary>
    public string Source => _template.Source;

    /// <summary>The text of the beginning-of-sequence token (<c>bos_token</c>), empty when the model has none.</summary>
    public string BosToken { get; }

    /// <summary>The text of the end-of-sequence token (<c>eos_token</c>).</summary>
    public string EosToken { get; }

    /// <summary>How this template writes the assistant's tool calls, and so how the model's output is read.</summary>
    public ToolCallFormat ToolCallFormat { get; }

    /// <summary>The date <c>strftime_now</c> formats.</summary>
    public DateTime Date => _template.Now;

    /// <summary>Parses a chat template; throws <see cref="JinjaException"/> when it uses syntax outside the supported subset.</summary>
    public static ChatTemplate Parse(string source, string bosToken, string eosToken) => Parse(source, bosToken, eosToken, DefaultDate);

    /// <summary>As <see cref="Parse(string, string, string)"/>, with the date that <c>strftime_now</c> formats.</summary>
    public static ChatTemplate Parse(string source, string bosToken, string eosToken, DateTime date) =>
        new(JinjaTemplate.Parse(source).WithDate(date), bosToken ?? string.Empty, eosToken ?? string.Empty);

    /// <summary>
    /// Renders <paramref name="messages"/> with <paramref name="tools"/> declared. With
    /// <paramref name="addGenerationPrompt"/> the text ends where the assistant's next turn begins (for inference);
    /// without it, it ends after the last message (for training text). Throws <see cref="JinjaRaisedException"/>
    /// when the template itself rejects the conversation (e.g. roles that do not alternate).
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> tools, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tools);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = ToTemplateMessages(messages),
            ["tools"] = tools.Count == 0 ? null : tools.Select(ToTemplateTool).ToList(),
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
        };
        return _template.Render(variables);
    }

    /// <summary>The messages as the template sees them (HuggingFace's dictionaries).</summary>
    internal List<object?> ToTemplateMessages(IReadOnlyList<ChatMessage> messages)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = new List<object?>();
        foreach (var message in messages)
        {
            var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
            var reasoning = string.Concat(message.Contents.OfType<TextReasoningContent>().Select(t => t.Text));
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (message.Role == ChatRole.Assistant || calls.Count > 0)
            {
                var dict = Dict(("role", "assistant"), ("content", calls.Count > 0 && text.Length == 0 ? null : text));
                if (reasoning.Length > 0)
                {
                    dict["reasoning_content"] = reasoning;
                }

                if (calls.Count > 0)
                {
                    dict["tool_calls"] = calls.Select(c =>
                    {
                        names[c.CallId] = c.Name;
                        return (object?)Dict(
                            ("id", CallId(c.CallId)),
                            ("type", "function"),
                            ("function", Dict(("name", c.Name), ("arguments", Arguments(c.Arguments)))));
                    }).ToList();
                }

                list.Add(dict);
                continue;
            }

            foreach (var result in results)
            {
                list.Add(Dict(
                    ("role", "tool"),
                    ("tool_call_id", CallId(result.CallId)),
                    ("name", names.TryGetValue(result.CallId, out var name) ? name : null),
                    ("content", ResultText(result.Result))));
            }

            if (results.Count == 0 || text.Length > 0)
            {
                list.Add(Dict(("role", message.Role.Value), ("content", text)));
            }
        }

        return list;
    }

    private static OrderedDictionary<string, object?> ToTemplateTool(AIFunctionDeclaration tool) => Dict(
        ("type", "function"),
        ("function", Dict(
            ("name", tool.Name),
            ("description", tool.Description),
            ("parameters", Py.FromJson(tool.JsonSchema)))));

    private static OrderedDictionary<string, object?> Dict(params (string Key, object? Value)[] pairs) =>
        Py.ToDict(pairs.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));

    private static OrderedDictionary<string, object?> Arguments(IDictionary<string, object?>? arguments) =>
        arguments is null ? Dict() : Py.ToDict(arguments.Select(p => new KeyValuePair<string, object?>(p.Key, Py.FromClr(p.Value))));

    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? string.Empty,
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(result, JsonDefaults.Messages),
    };

    // Mistral's templates refuse any call id that is not 9 alphanumeric characters; ids from elsewhere (another
    // provider, a replayed transcript) are mapped to such an id, the same for a call and its result.
    private string CallId(string id) =>
        ToolCallFormat is not (ToolCallFormat.MistralJson or ToolCallFormat.MistralNamed) || NativeToolCalls.IsMistralId(id) ? id : NativeToolCalls.MistralIdFor(id);
}
