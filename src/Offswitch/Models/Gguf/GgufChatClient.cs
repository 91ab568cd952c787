using System.Globalization;
using System.Text;
using System.Text.Json;
using LLama;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Models.Gguf;

/// <summary>
/// A local GGUF model run in-process on the CPU (LLamaSharp), one client per trial. When the file carries a chat
/// template, the conversation is rendered with it (<see cref="ChatTemplate"/>) and the model's output is read in
/// its family's native tool-call format (<see cref="NativeToolCalls"/>): the model is prompted as it was trained.
/// Without a template, or with <c>?grammar=1</c>, the conversation is a plain transcript and, when tools are
/// declared, sampling is constrained by <see cref="ToolCallGrammar"/>. Sampling is neutral unless the plan sets
/// temperature or top-p, and seeded: the trial seed mixed with the call number, reported as
/// <see cref="ResponseProperties.SamplerSeed"/>. The trial keeps one context across its turns and decodes only what
/// a turn adds to the previous prompt (prefix reuse); generation stops at the vocabulary's end-of-generation tokens.
/// </summary>
internal sealed class GgufChatClient : CompletedResponseChatClient
{
    private const int DefaultMaxOutputTokens = 256;
    private readonly string _path;
    private readonly int _trialSeed;
    private readonly bool _grammar;
    private readonly bool _reuseContext;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LLamaContext? _context;
    private List<LLamaToken> _cached = [];
    private int _calls;

    /// <param name="path">The GGUF file.</param>
    /// <param name="trialSeed">The trial's seed.</param>
    /// <param name="options">Spec options: <c>grammar=1</c> selects the plain transcript and JSON grammar even for a model with a template.</param>
    /// <param name="reuseContext">Keep the context between turns (false: a new context per call; for measurements).</param>
    public GgufChatClient(string path, int trialSeed, IReadOnlyDictionary<string, string>? options = null, bool reuseContext = true)
    {
        _path = path;
        _trialSeed = trialSeed;
        _reuseContext = reuseContext;
        _grammar = ValidateOptions(options ?? new Dictionary<string, string>());
    }

    /// <summary>Checks a spec's options; returns whether the JSON grammar is asked for.</summary>
    internal static bool ValidateOptions(IReadOnlyDictionary<string, string> options)
    {
        var unknown = options.Keys.Where(k => k != "grammar").ToList();
        if (unknown.Count > 0)
        {
            throw new ModelConfigurationException($"Unknown gguf option(s) {string.Join(", ", unknown)}: the only option is grammar=1.");
        }

        return options.TryGetValue("grammar", out var g) switch
        {
            false => false,
            true when g is "1" or "true" => true,
            true when g is "0" or "false" => false,
            _ => throw new ModelConfigurationException($"gguf option grammar={g}: use grammar=1 or grammar=0."),
        };
    }

    /// <summary>Loads (once per process and path) the model's weights.</summary>
    internal static LLamaWeights LoadWeights(string path) => GgufModel.Load(path).Weights;

    internal static int LoadedModelCount => GgufModel.LoadedCount;

    /// <summary>What this client sends for <paramref name="messages"/>: the prompt text and the format its output is read in.</summary>
    internal static (string Prompt, ToolCallFormat Format, bool Grammar) BuildPrompt(GgufModel model, IEnumerable<ChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> tools, bool grammar)
    {
        if (model.Template is { } template && !grammar)
        {
            return (template.Render([.. messages], tools, addGenerationPrompt: true), template.ToolCallFormat, false);
        }

        return (Render(messages, tools), ToolCallFormat.None, tools.Count > 0);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var model = GgufModel.Load(_path);
        var call = Interlocked.Increment(ref _calls);
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        var maxTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens;
        var (prompt, format, constrained) = BuildPrompt(model, messages, tools, _grammar);
        var tokens = FitPrompt(model, model.Tokenize(prompt), (int)model.ContextSize - maxTokens - 8);

        // The call number varies the stream between turns while keeping the whole trial reproducible.
        var seed = unchecked((uint)((options?.Seed ?? _trialSeed) * 1_000_003L + call));
        using var sampling = new DefaultSamplingPipeline
        {
            Seed = seed,
            // Neutral unless asked: LLamaSharp's own defaults (T 0.75, top-k 40, top-p 0.9, min-p 0.1) would reshape the distribution.
            Temperature = options?.Temperature ?? 1f,
            TopP = options?.TopP ?? 1f,
            TopK = 0,
            MinP = 0f,
            TypicalP = 1f,
            RepeatPenalty = 1f,
            Grammar = constrained ? new Grammar(ToolCallGrammar.Build(tools, allowText: options?.ToolMode is not RequiredChatToolMode), "root") : null,
        };

        string text;
        int produced;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            (text, produced) = await GenerateAsync(model, tokens, sampling, maxTokens, stopText: constrained || format != ToolCallFormat.None || model.Template is not null ? null : "\nUser:", cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        var message = new ChatMessage(ChatRole.Assistant, []);
        if (format != ToolCallFormat.None)
        {
            foreach (var content in NativeToolCalls.Parse(text, format, tools, i => CallId(seed, i)))
            {
                message.Contents.Add(content);
            }
        }
        else if (ToolCallGrammar.TryParseCall(text.Trim(), tools, out var name, out var arguments))
        {
            message.Contents.Add(new FunctionCallContent(CallId(seed, 0), name, arguments));
        }
        else
        {
            message.Contents.Add(new TextContent(text.Trim()));
        }

        var calls = message.Contents.OfType<FunctionCallContent>().Any();
        return new ChatResponse(message)
        {
            ModelId = "gguf:" + Path.GetFileName(_path),
            FinishReason = calls ? ChatFinishReason.ToolCalls : produced >= maxTokens ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = tokens.Count, OutputTokenCount = produced },
            AdditionalProperties = new AdditionalPropertiesDictionary { [ResponseProperties.SamplerSeed] = (long)seed },
        };
    }

    // 9 alphanumerics: the id shape Mistral's templates require, and one every other template accepts.
    private static string CallId(uint seed, int index) => NativeToolCalls.MistralIdFor(string.Create(CultureInfo.InvariantCulture, $"{seed}:{index}"));

    private async Task<(string Text, int Produced)> GenerateAsync(GgufModel model, IReadOnlyList<LLamaToken> prompt, DefaultSamplingPipeline sampling, int maxTokens, string? stopText, CancellationToken cancellationToken)
    {
        var context = _reuseContext ? _context ??= NewContext(model) : NewContext(model);
        try
        {
            // Prefix reuse: keep the KV cache of what the previous call decoded, as far as the new prompt agrees with it.
            var common = 0;
            if (_reuseContext)
            {
                while (common < _cached.Count && common < prompt.Count && _cached[common] == prompt[common])
                {
                    common++;
                }

                // At least the last prompt token is decoded again: its logits start the answer.
                common = Math.Min(common, prompt.Count - 1);
                context.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, common, -1);
            }

            var batch = new LLamaBatch();
            var batchSize = (int)context.BatchSize;
            for (var start = common; start < prompt.Count; start += batchSize)
            {
                batch.Clear();
                var end = Math.Min(prompt.Count, start + batchSize);
                for (var i = start; i < end; i++)
                {
                    batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
                }

                await Decode(context, batch, cancellationToken);
            }

            var decoded = new List<LLamaToken>(prompt);
            var decoder = new StreamingTokenDecoder(context) { DecodeSpecialTokens = true };
            var text = new StringBuilder();
            var produced = 0;
            var logitsIndex = batch.TokenCount - 1;
            while (produced < maxTokens && decoded.Count < context.ContextSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = sampling.Sample(context.NativeHandle, logitsIndex);
                produced++;
                if (model.IsEndOfGeneration(token))
                {
                    // The end-of-turn token is not part of the answer; it is also not kept in the cache, since the
                    // next prompt renders the turn's end itself.
                    break;
                }

                decoder.Add(token);
                text.Append(decoder.Read());
                batch.Clear();
                batch.Add(token, decoded.Count, LLamaSeqId.Zero, true);
                decoded.Add(token);
                logitsIndex = 0;
                if (stopText is not null && text.ToString().EndsWith(stopText, StringComparison.Ordinal))
                {
                    text.Length -= stopText.Length;
                    break;
                }

                await Decode(context, batch, cancellationToken);
            }

            _cached = _reuseContext ? decoded[..Math.Min(decoded.Count, CachedCount(decoded, produced))] : [];
            return (text.ToString(), produced);
        }
        catch
        {
            // A failed decode leaves the cache in an unknown state: start the next call afresh.
            _cached = [];
            throw;
        }
        finally
        {
            if (!_reuseContext)
            {
                context.Dispose();
            }
        }
    }

    // The last sampled token was added to `decoded` but its decode may have been skipped (stop text); only tokens
    // whose KV entries exist count as cached.
    private static int CachedCount(List<LLamaToken> decoded, int produced) => produced == 0 ? decoded.Count : decoded.Count - 1;

    private static async Task Decode(LLamaContext context, LLamaBatch batch, CancellationToken cancellationToken)
    {
        var result = await context.DecodeAsync(batch, cancellationToken);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp decode failed: {result}.");
        }
    }

    private static LLamaContext NewContext(GgufModel model) =>
        model.Weights.CreateContext(GgufModel.Parameters(model.FullPath, model.ContextSize));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _context?.Dispose();
            _context = null;
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The plain transcript used for a model without a chat template (or with <c>?grammar=1</c>).</summary>
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

    // Keeps the end of the conversation (the most recent tokens) when the whole does not fit the context window.
    private static List<LLamaToken> FitPrompt(GgufModel model, LLamaToken[] tokens, int budget)
    {
        budget = Math.Max(16, budget);
        return tokens.Length <= budget ? [.. tokens] : [.. tokens[^budget..]];
    }
}
