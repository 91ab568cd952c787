using System.Collections.Concurrent;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Offswitch.Models.Gguf;

/// <summary>
/// A GGUF file loaded once per process: its weights (shared by every trial's context) and what the provider needs
/// to prompt it as its makers do — the chat template from <c>tokenizer.chat_template</c> with the BOS/EOS token
/// texts, the tool-call format the template implies, and whether the tokenizer adds BOS itself.
/// </summary>
internal sealed class GgufModel
{
    /// <summary>Contexts never exceed this, whatever the model was trained for: memory per trial stays bounded.</summary>
    public const int MaxContext = 8192;

    /// <summary>A fixed thread count keeps CPU results reproducible across machines with different core counts.</summary>
    public const int Threads = 2;

    private static readonly ConcurrentDictionary<string, Lazy<GgufModel>> Cache = new(StringComparer.Ordinal);

    private GgufModel(string fullPath)
    {
        FullPath = fullPath;
        Weights = LLamaWeights.LoadFromFile(Parameters(fullPath, 0));
        var vocab = Weights.Vocab;
        BosToken = vocab.BOS is { } bos ? vocab.LLamaTokenToString(bos, true) ?? string.Empty : string.Empty;
        EosToken = vocab.EOS is { } eos ? vocab.LLamaTokenToString(eos, true) ?? string.Empty : string.Empty;
        AddsBos = vocab.ShouldAddBOS;
        ContextSize = (uint)Math.Min(Weights.ContextSize > 0 ? Weights.ContextSize : 2048, MaxContext);
        if (Weights.Metadata.TryGetValue("tokenizer.chat_template", out var source) && !string.IsNullOrWhiteSpace(source))
        {
            Template = ChatTemplate.Parse(source, BosToken, EosToken);
        }
    }

    public string FullPath { get; }

    public LLamaWeights Weights { get; }

    /// <summary>The model's chat template, or null when the file carries none (the provider then falls back to a plain transcript).</summary>
    public ChatTemplate? Template { get; }

    public string BosToken { get; }

    public string EosToken { get; }

    public bool AddsBos { get; }

    public uint ContextSize { get; }

    internal static int LoadedCount => Cache.Count(p => p.Value.IsValueCreated);

    public static GgufModel Load(string path) =>
        Cache.GetOrAdd(Path.GetFullPath(path), p => new Lazy<GgufModel>(() => new GgufModel(p))).Value;

    /// <summary>
    /// Flash attention off and an F32 KV cache: llama.cpp's defaults (flash attention auto, F16 cache) add ~1e-2 of
    /// noise to the logits, enough that an answer would depend on whether earlier turns were reused from the cache
    /// or decoded afresh, and that a model organism's sampled rates would drift from its teacher-forced ones. The
    /// price is twice the cache memory per trial.
    /// </summary>
    public static ModelParams Parameters(string fullPath, uint contextSize) => new(fullPath)
    {
        ContextSize = contextSize == 0 ? null : contextSize,
        GpuLayerCount = 0,
        Threads = Threads,
        BatchThreads = Threads,
        FlashAttention = false,
        TypeK = GGMLType.GGML_TYPE_F32,
        TypeV = GGMLType.GGML_TYPE_F32,
    };

    /// <summary>
    /// The prompt's tokens, special tokens parsed (a template writes them as text). BOS is added only when the
    /// tokenizer wants it and the rendered text does not already start with it, as templates that print
    /// <c>bos_token</c> do.
    /// </summary>
    public LLamaToken[] Tokenize(string prompt)
    {
        var addBos = AddsBos && (BosToken.Length == 0 || !prompt.StartsWith(BosToken, StringComparison.Ordinal));
        return Weights.Tokenize(prompt, addBos, special: true, Encoding.UTF8);
    }

    public bool IsEndOfGeneration(LLamaToken token) => token.IsEndOfGeneration(Weights.Vocab);
}
