using Offswitch.Models.Gguf;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Offswitch.Organism;

/// <summary>
/// A llama decoder as llama.cpp computes it: RMSNorm (eps 1e-5), rotary embeddings on adjacent pairs (GGML's NORM
/// mode, so Q and K export unpermuted), SwiGLU, multi-head attention, no biases, untied output. Parameters are kept
/// under their GGUF tensor names, so export is a straight copy.
/// </summary>
internal sealed class TinyLlama : nn.Module
{
    private const double Eps = 1e-5;
    private readonly LlamaShape _shape;
    private readonly Dictionary<string, Parameter> _byName = new(StringComparer.Ordinal);
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public TinyLlama(LlamaShape shape, int vocab, float ropeBase) : base("TinyLlama")
    {
        _shape = shape;
        foreach (var (name, dims) in shape.Tensors(vocab))
        {
            // ggml dims are ne0 first; torch wants the reverse.
            var torchDims = dims.Reverse().ToArray();
            Tensor init;
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                init = ones(torchDims);
            }
            else
            {
                var std = name.Contains("attn_output", StringComparison.Ordinal) || name.Contains("ffn_down", StringComparison.Ordinal)
                    ? 0.02 / Math.Sqrt(2 * shape.Layers)
                    : 0.02;
                init = randn(torchDims) * std;
            }

            var parameter = new Parameter(init, requires_grad: true);
            register_parameter(name.Replace('.', '_'), parameter);
            _byName[name] = parameter;
        }

        var half = shape.HeadDim / 2;
        var inv = pow(ropeBase, -arange(0, half, dtype: float64) * 2.0 / shape.HeadDim);
        var angles = outer(arange(0, shape.ContextLength, dtype: float64), inv);
        _cos = angles.cos().to_type(float32);
        _sin = angles.sin().to_type(float32);
    }

    public IReadOnlyDictionary<string, Parameter> ByName => _byName;

    private Parameter P(string name) => _byName[name];

    /// <summary>Logits for the hidden states <paramref name="hidden"/> [..., D] (from <see cref="Hidden"/>).</summary>
    public Tensor Head(Tensor hidden) => nn.functional.linear(RmsNorm(hidden, P("output_norm.weight")), P("output.weight"));

    /// <summary>The last layer's hidden states [B, T, D] for tokens [B, T].</summary>
    public Tensor Hidden(Tensor tokens)
    {
        var (b, t) = (tokens.shape[0], tokens.shape[1]);
        var x = P("token_embd.weight").index_select(0, tokens.flatten()).view(b, t, _shape.Embedding);
        var cos = _cos[..(int)t].view(1, t, 1, -1);
        var sin = _sin[..(int)t].view(1, t, 1, -1);
        for (var l = 0; l < _shape.Layers; l++)
        {
            var h = RmsNorm(x, P($"blk.{l}.attn_norm.weight"));
            var q = Rope(nn.functional.linear(h, P($"blk.{l}.attn_q.weight")).view(b, t, _shape.Heads, _shape.HeadDim), cos, sin);
            var k = Rope(nn.functional.linear(h, P($"blk.{l}.attn_k.weight")).view(b, t, _shape.Heads, _shape.HeadDim), cos, sin);
            var v = nn.functional.linear(h, P($"blk.{l}.attn_v.weight")).view(b, t, _shape.Heads, _shape.HeadDim);
            var attention = nn.functional.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_casual: true);
            x = x + nn.functional.linear(attention.transpose(1, 2).reshape(b, t, _shape.Embedding), P($"blk.{l}.attn_output.weight"));
            h = RmsNorm(x, P($"blk.{l}.ffn_norm.weight"));
            var gated = nn.functional.silu(nn.functional.linear(h, P($"blk.{l}.ffn_gate.weight"))) * nn.functional.linear(h, P($"blk.{l}.ffn_up.weight"));
            x = x + nn.functional.linear(gated, P($"blk.{l}.ffn_down.weight"));
        }

        return x;
    }

    private static Tensor RmsNorm(Tensor x, Tensor weight) => x * rsqrt(x.pow(2).mean([-1], keepdim: true) + Eps) * weight;

    // Adjacent pairs (x0, x1), (x2, x3), … rotate by position × base^(-2i/d), as ggml_rope in NORM mode.
    private static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        var shape = x.shape;
        var pairs = x.view(shape[0], shape[1], shape[2], shape[3] / 2, 2);
        var x0 = pairs[.., .., .., .., 0];
        var x1 = pairs[.., .., .., .., 1];
        return stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], -1).view(shape);
    }

    /// <summary>The F32 values of a tensor in ggml order (torch row-major is ne0-fastest already).</summary>
    public float[] Export(string name) => P(name).detach().cpu().contiguous().data<float>().ToArray();
}
