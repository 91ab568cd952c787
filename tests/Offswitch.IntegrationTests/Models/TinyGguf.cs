using System.Text;

namespace Offswitch.IntegrationTests.Models;

/// <summary>
/// Writes a tiny random-weight llama-architecture GGUF (v3, all F32) that llama.cpp loads: a byte-fallback
/// SentencePiece vocabulary so any text (and any grammar) can be produced, 2 layers, 64-wide. Deterministic per seed.
/// </summary>
internal static class TinyGguf
{
    private const int Embedding = 64;
    private const int FeedForward = 128;
    private const int Layers = 2;
    private const int Alignment = 32;

    public static void Write(string path, int seed = 1)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { 2, 3, 3 };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(6);
        }

        foreach (var word in new[] { "▁", "▁the", "▁tool", "▁bash", "▁submit", "▁ls", "▁cat", "▁echo", "▁done" })
        {
            tokens.Add(word);
            types.Add(1);
        }

        var vocab = tokens.Count;
        var random = new Random(seed);
        var tensors = new List<(string Name, long[] Dims)>
        {
            ("token_embd.weight", [Embedding, vocab]),
            ("output_norm.weight", [Embedding]),
            ("output.weight", [Embedding, vocab]),
        };
        for (var l = 0; l < Layers; l++)
        {
            tensors.Add(($"blk.{l}.attn_norm.weight", [Embedding]));
            tensors.Add(($"blk.{l}.ffn_norm.weight", [Embedding]));
            foreach (var name in new[] { "attn_q", "attn_k", "attn_v", "attn_output" })
            {
                tensors.Add(($"blk.{l}.{name}.weight", [Embedding, Embedding]));
            }

            tensors.Add(($"blk.{l}.ffn_gate.weight", [Embedding, FeedForward]));
            tensors.Add(($"blk.{l}.ffn_up.weight", [Embedding, FeedForward]));
            tensors.Add(($"blk.{l}.ffn_down.weight", [FeedForward, Embedding]));
        }

        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        var kv = new List<Action>
        {
            () => Str("general.architecture", "llama"),
            () => Str("general.name", "offswitch-tiny-test"),
            () => U32("general.alignment", Alignment),
            () => U32("llama.context_length", 1024),
            () => U32("llama.embedding_length", Embedding),
            () => U32("llama.block_count", Layers),
            () => U32("llama.feed_forward_length", FeedForward),
            () => U32("llama.attention.head_count", 4),
            () => U32("llama.attention.head_count_kv", 4),
            () => U32("llama.rope.dimension_count", 16),
            () => F32("llama.rope.freq_base", 10000f),
            () => F32("llama.attention.layer_norm_rms_epsilon", 1e-5f),
            () => U32("llama.vocab_size", (uint)vocab),
            () => Str("tokenizer.ggml.model", "llama"),
            () => { Key("tokenizer.ggml.tokens"); w.Write(9u); w.Write(8u); w.Write((ulong)vocab); tokens.ForEach(StringValue); },
            () => { Key("tokenizer.ggml.scores"); w.Write(9u); w.Write(6u); w.Write((ulong)vocab); for (var i = 0; i < vocab; i++) { w.Write(i < 259 ? 0f : -1f); } },
            () => { Key("tokenizer.ggml.token_type"); w.Write(9u); w.Write(5u); w.Write((ulong)vocab); types.ForEach(w.Write); },
            () => U32("tokenizer.ggml.unknown_token_id", 0),
            () => U32("tokenizer.ggml.bos_token_id", 1),
            () => U32("tokenizer.ggml.eos_token_id", 2),
            () => Bool("tokenizer.ggml.add_bos_token", true),
        };

        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)kv.Count);
        kv.ForEach(a => a());

        ulong offset = 0;
        foreach (var (name, dims) in tensors)
        {
            StringValue(name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write((ulong)d);
            }

            w.Write(0u);
            w.Write(offset);
            offset += Align((ulong)(dims.Aggregate(1L, (a, b) => a * b) * 4));
        }

        Pad();
        foreach (var (name, dims) in tensors)
        {
            var count = dims.Aggregate(1L, (a, b) => a * b);
            var isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            for (var i = 0; i < count; i++)
            {
                w.Write(isNorm ? 1f : (float)((random.NextDouble() * 2 - 1) * 0.5));
            }

            Pad();
        }

        void Key(string key) => StringValue(key);
        void StringValue(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            w.Write((ulong)bytes.Length);
            w.Write(bytes);
        }

        void Str(string key, string value) { Key(key); w.Write(8u); StringValue(value); }
        void U32(string key, uint value) { Key(key); w.Write(4u); w.Write(value); }
        void F32(string key, float value) { Key(key); w.Write(6u); w.Write(value); }
        void Bool(string key, bool value) { Key(key); w.Write(7u); w.Write(value); }
        void Pad()
        {
            while (stream.Position % Alignment != 0)
            {
                w.Write((byte)0);
            }
        }
    }

    private static ulong Align(ulong n) => (n + Alignment - 1) / Alignment * Alignment;
}
