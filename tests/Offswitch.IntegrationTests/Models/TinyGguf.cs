using Offswitch.Models.Gguf;

namespace Offswitch.IntegrationTests.Models;

/// <summary>
/// Writes a tiny random-weight llama-architecture GGUF (v3, all F32) that llama.cpp loads: a byte-fallback
/// SentencePiece vocabulary so any text (and any grammar) can be produced, 2 layers, 64-wide. Deterministic per seed.
/// </summary>
internal static class TinyGguf
{
    public static readonly LlamaShape Shape = new(Embedding: 64, Layers: 2, FeedForward: 128, Heads: 4, ContextLength: 1024);

    public static void Write(string path, int seed = 1, string? chatTemplate = null, IReadOnlyList<string>? controls = null, string eos = "</s>")
    {
        var vocab = SentencePieceVocab.Create(
            controls ?? ["<unk>", "<s>", "</s>"],
            ["▁", "▁the", "▁tool", "▁bash", "▁submit", "▁ls", "▁cat", "▁echo", "▁done"],
            eos);
        LlamaGguf.Write(path, "offswitch-tiny-test", Shape, vocab, chatTemplate, LlamaGguf.RandomWeights(seed));
    }
}
