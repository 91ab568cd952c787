using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using LLama;
using LLama.Common;
using LLama.Sampling;
using Microsoft.Extensions.AI;

namespace Offswitch.Models.Gguf;

/// <summary>
/// A local GGUF model run in-process on the CPU (LLamaSharp). The conversation is rendered as a plain transcript;
/// when tools are declared, sampling is constrained by a grammar (<see cref="ToolCallGrammar"/>) so the model emits
/// either <c>{"tool": NAME, "arguments": {...}}</c> or a line of plain text, and the former becomes a
/// <see cref="FunctionCallContent"/>. Sampling is seeded, so a seed reproduces a trial.
/// </summary>
internal sealed class GgufChatClient(string path, int trialSeed) : CompletedResponseChatClient
{
    private const int MaxContext = 8192;
    private const int DefaultMaxOutputTokens = 256;
    private static readonly ConcurrentDictionary<string, Lazy<LLamaWeights>> Cache = new(StringComparer.Ordinal);
    private int _calls;

    /// <summary>Loads (once per process and path) the model's weights.</summary>
    internal static LLamaWeights LoadWeights(string path)
    {
        var full = Path.GetFullPath(path);
        return Cache.GetOrAdd(full, p => new Lazy<LLamaWeights>(() => LLamaWeights.LoadFromFile(Parameters(p, 0)))).Value;
    }

    internal static int LoadedModelCount => Cache.Count(p => p.Value.IsValueCreated);

    private static ModelParams Parameters(string fullPath, uint contextSize) => new(fullPath)
    {
        ContextSize = contextSize == 0 ? null : contextSize,
        GpuLayerCount = 0,
        // A fixed thread count keeps CPU results reproducible across machines with different core counts.
        Threads = 2,
    };

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var weights = LoadWeights(path);
        var call = Interlocked.Increment(ref _calls);
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        var maxTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens;
        var contextSize = (uint)Math.Min(weights.ContextSize > 0 ? weights.ContextSize : 2048, MaxContext);
        var prompt = FitPrompt(weights, Render(messages, tools), (int)contextSize - maxTokens - 8);

        var sampling = new DefaultSamplingPipeline
        {
            // The call number varies the stream between turns while keeping the whole trial reproducible.
            Seed = unchecked((uint)((options?.Seed ?? trialSeed) * 1_000_003L + call)),
            Temperature = options?.Temperature ?? 0.8f,
            Grammar = tools.Count > 0
                ? new Grammar(ToolCallGrammar.Build(tools, allowText: options?.ToolMode is not RequiredChatToolMode), "root")
                : null,
        };

        var executor = new StatelessExecutor(weights, Parameters(Path.GetFullPath(path), contextSize)) { ApplyTemplate = false };
        var inference = new InferenceParams { MaxTokens = maxTokens, SamplingPipeline = sampling, AntiPrompts = tools.Count > 0 ? [] : ["\nUser:"] };
        var output = new StringBuilder();
        var produced = 0;
        await foreach (var piece in executor.InferAsync(prompt, inference, cancellationToken))
        {
            output.Append(piece);
            produced++;
        }

        var text = output.ToString().Trim();
        var message = new ChatMessage(ChatRole.Assistant, []);
        if (ToolCallGrammar.TryParseCall(text, tools, out var name, out var arguments))
        {
            message.Contents.Add(new FunctionCallContent($"gguf_{call}", name, arguments));
        }
        else
        {
            message.Contents.Add(new TextContent(text));
        }

        var calls = message.Contents.OfType<FunctionCallContent>().Any();
        return new ChatResponse(message)
        {
            ModelId = "gguf:" + Path.GetFileName(path),
            FinishReason = calls ? ChatFinishReason.ToolCalls : produced >= maxTokens ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = weights.Tokenize(prompt, true, false, Encoding.UTF8).Length,
                OutputTokenCount = produced,
                TotalTokenCount = null,
            },
        };
    }

    internal static string Render(IEnumerable<ChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> tools)
    {
        var sb = new StringBuilder();
        if (tools.Count > 0)
        {
            sb.Append("Tools (answer with {\"tool\": NAME, \"arguments\": {...}} to call one):\n");
            foreach (var tool in tools)
            {
                sb.Append("- ").Append(tool.Name).Append(": ").Append(tool.Description).Append(' ').Append(tool.JsonSchema.GetRawText()).Append('\n');
            }
        }

        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent t when message.Role == ChatRole.System:
                        sb.Append("System: ").Append(t.Text).Append('\n');
                        break;
                    case TextContent t:
                        sb.Append(message.Role == ChatRole.Assistant ? "Assistant: " : "User: ").Append(t.Text).Append('\n');
                        break;
                    case FunctionCallContent f:
                        sb.Append("Assistant: ").Append(JsonSerializer.Serialize(new { tool = f.Name, arguments = f.Arguments }, JsonDefaults.Messages)).Append('\n');
                        break;
                    case FunctionResultContent r:
                        sb.Append("Tool result: ").Append(r.Result?.ToString()).Append('\n');
                        break;
                }
            }
        }

        return sb.Append("Assistant: ").ToString();
    }

    // Keeps the end of the conversation (the most recent turns) when the whole does not fit the context window.
    private static string FitPrompt(LLamaWeights weights, string prompt, int budget)
    {
        budget = Math.Max(16, budget);
        for (var i = 0; i < 8; i++)
        {
            var count = weights.Tokenize(prompt, true, false, Encoding.UTF8).Length;
            if (count <= budget)
            {
                return prompt;
            }

            var keep = (int)((long)prompt.Length * budget / count * 9 / 10);
            prompt = prompt[^Math.Max(1, keep)..];
        }

        return prompt;
    }
}
