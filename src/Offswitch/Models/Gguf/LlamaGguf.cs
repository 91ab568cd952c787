namespace Offswitch.Models.Gguf;

/// <summary>Shape of a small llama-architecture decoder (RMSNorm, rotary embeddings, SwiGLU, no biases).</summary>
public sealed record LlamaShape(int Embedding, int Layers, int FeedForward, int Heads, int ContextLength)
{
    public int HeadDim => Embedding / Heads;

    /// <summary>The tensors llama.cpp expects, with their ggml dimensions (<c>ne0</c> first).</summary>
    public IReadOnlyList<(string Name, long[] Dims)> Tensors(int vocab)
    {
        var list = new List<(string, long[])>
        {
            ("token_embd.weight", [Embedding, vocab]),
            ("output_norm.weight", [Embedding]),
            ("output.weight", [Embedding, vocab]),
        };
        for (var l = 0; l < Layers; l++)
        {
            list.Add(($"blk.{l}.attn_norm.weight", [Embedding]));
            list.Add(($"blk.{l}.attn_q.weight", [Embedding, Embedding]));
            list.Add(($"blk.{l}.attn_k.weight", [Embedding, Embedding]));
            list.Add(($"blk.{l}.attn_v.weight", [Embedding, Embedding]));
            list.Add(($"blk.{l}.attn_output.weight", [Embedding, Embedding]));
            list.Add(($"blk.{l}.ffn_norm.weight", [Embedding]));
            list.Add(($"blk.{l}.ffn_gate.weight", [Embedding, FeedForward]));
            list.Add(($"blk.{l}.ffn_up.weight", [Embedding, FeedForward]));
            list.Add(($"blk.{l}.ffn_down.weight", [FeedForward, Embedding]));
        }

        return list;
    }
}

/// <summary>
/// A SentencePiece-style vocabulary as llama.cpp reads it (<c>tokenizer.ggml.model = llama</c>): pieces with
/// <c>▁</c> for spaces, merge scores, and token types (1 normal, 2 unknown, 3 control, 6 byte). Byte tokens
/// <c>&lt;0x00&gt;…&lt;0xFF&gt;</c> let any text be encoded.
/// </summary>
public sealed record SentencePieceVocab(IReadOnlyList<string> Tokens, IReadOnlyList<float> Scores, IReadOnlyList<int> Types, int Unknown, int Bos, int Eos)
{
    public const int Normal = 1;
    public const int UnknownType = 2;
    public const int Control = 3;
    public const int Byte = 6;

    /// <summary>Control tokens first (the first is the unknown token, the second BOS), then the 256 byte tokens, then <paramref name="pieces"/> (highest score first).</summary>
    public static SentencePieceVocab Create(IReadOnlyList<string> controls, IReadOnlyList<string> pieces, string eos)
    {
        var tokens = new List<string>(controls);
        var types = new List<int> { UnknownType };
        types.AddRange(Enumerable.Repeat(Control, controls.Count - 1));
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(Byte);
        }

        var scores = Enumerable.Repeat(0f, tokens.Count).ToList();
        for (var i = 0; i < pieces.Count; i++)
        {
            tokens.Add(pieces[i]);
            types.Add(Normal);
            scores.Add(-i);
        }

        var eosId = tokens.IndexOf(eos);
        if (eosId < 0)
        {
            throw new ArgumentException($"The end-of-sequence token {eos} is not among the control tokens.", nameof(eos));
        }

        return new SentencePieceVocab(tokens, scores, types, 0, 1, eosId);
    }
}

/// <summary>Writes a llama-architecture GGUF: architecture and tokenizer metadata, optional chat template, F32 weights.</summary>
public static class LlamaGguf
{
    public static void Write(string path, string name, LlamaShape shape, SentencePieceVocab vocab, string? chatTemplate, Func<string, long[], float[]> weights, float ropeBase = 10000f)
    {
        var writer = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", name)
            .Add("llama.context_length", (uint)shape.ContextLength)
            .Add("llama.embedding_length", (uint)shape.Embedding)
            .Add("llama.block_count", (uint)shape.Layers)
            .Add("llama.feed_forward_length", (uint)shape.FeedForward)
            .Add("llama.attention.head_count", (uint)shape.Heads)
            .Add("llama.attention.head_count_kv", (uint)shape.Heads)
            .Add("llama.rope.dimension_count", (uint)shape.HeadDim)
            .Add("llama.rope.freq_base", ropeBase)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("llama.vocab_size", (uint)vocab.Tokens.Count)
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", vocab.Tokens)
            .Add("tokenizer.ggml.scores", vocab.Scores)
            .Add("tokenizer.ggml.token_type", vocab.Types)
            .Add("tokenizer.ggml.unknown_token_id", (uint)vocab.Unknown)
            .Add("tokenizer.ggml.bos_token_id", (uint)vocab.Bos)
            .Add("tokenizer.ggml.eos_token_id", (uint)vocab.Eos)
            .Add("tokenizer.ggml.add_bos_token", true)
            .Add("tokenizer.ggml.add_space_prefix", false);
        if (chatTemplate is not null)
        {
            writer.Add("tokenizer.chat_template", chatTemplate);
        }

        foreach (var (tensor, dims) in shape.Tensors(vocab.Tokens.Count))
        {
            writer.AddTensor(tensor, dims, weights(tensor, dims));
        }

        writer.Write(path);
    }

    /// <summary>Random weights (uniform ±<paramref name="scale"/>, norms at 1), deterministic per seed: a model that loads and samples but knows nothing.</summary>
    public static Func<string, long[], float[]> RandomWeights(int seed, float scale = 0.5f)
    {
        var random = new Random(seed);
        return (name, dims) =>
        {
            var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
            var norm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = norm ? 1f : (float)((random.NextDouble() * 2 - 1) * scale);
            }

            return data;
        };
    }
}
