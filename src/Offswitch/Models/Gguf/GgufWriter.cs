using System.Text;

namespace Offswitch.Models.Gguf;

/// <summary>
/// Writes a GGUF v3 file (the format llama.cpp loads): typed metadata key/values, then F32 tensors, aligned.
/// Used to make small models of our own — the model organism's exporter and the test fixtures with the chat
/// templates of real model families. Tensor dimensions are given in ggml order (<c>ne0</c> first: a torch
/// <c>[out, in]</c> linear weight is <c>{in, out}</c>).
/// </summary>
public sealed class GgufWriter
{
    private const int Alignment = 32;
    private readonly List<(string Key, Action<BinaryWriter> Write)> _metadata = [];
    private readonly List<(string Name, long[] Dims, float[] Data)> _tensors = [];

    private enum ValueType : uint
    {
        UInt32 = 4,
        Int32 = 5,
        Float32 = 6,
        Bool = 7,
        String = 8,
        Array = 9,
    }

    public GgufWriter Add(string key, string value) => Meta(key, w => { w.Write((uint)ValueType.String); WriteString(w, value); });

    public GgufWriter Add(string key, uint value) => Meta(key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); });

    public GgufWriter Add(string key, float value) => Meta(key, w => { w.Write((uint)ValueType.Float32); w.Write(value); });

    public GgufWriter Add(string key, bool value) => Meta(key, w => { w.Write((uint)ValueType.Bool); w.Write(value); });

    public GgufWriter Add(string key, IReadOnlyList<string> values) => Array(key, ValueType.String, values.Count, w => { foreach (var v in values) { WriteString(w, v); } });

    public GgufWriter Add(string key, IReadOnlyList<float> values) => Array(key, ValueType.Float32, values.Count, w => { foreach (var v in values) { w.Write(v); } });

    public GgufWriter Add(string key, IReadOnlyList<int> values) => Array(key, ValueType.Int32, values.Count, w => { foreach (var v in values) { w.Write(v); } });

    /// <summary>Adds an F32 tensor; <paramref name="dims"/> in ggml order, <paramref name="data"/> row-major over them (ne0 fastest).</summary>
    public GgufWriter AddTensor(string name, long[] dims, float[] data)
    {
        var count = dims.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
        {
            throw new ArgumentException($"Tensor {name}: {data.Length} values for dimensions [{string.Join(", ", dims)}].", nameof(data));
        }

        _tensors.Add((name, dims, data));
        return this;
    }

    public void Write(string path)
    {
        using var stream = File.Create(path);
        Write(stream);
    }

    public void Write(Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var metadata = _metadata.Any(m => m.Key == "general.alignment")
            ? _metadata
            : [.. _metadata, ("general.alignment", bw => { bw.Write((uint)ValueType.UInt32); bw.Write((uint)Alignment); })];
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, write) in metadata)
        {
            WriteString(w, key);
            write(w);
        }

        ulong offset = 0;
        foreach (var (name, dims, data) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write((ulong)d);
            }

            w.Write(0u); // GGML_TYPE_F32
            w.Write(offset);
            offset += Align((ulong)data.Length * 4);
        }

        Pad(w);
        foreach (var (_, _, data) in _tensors)
        {
            foreach (var v in data)
            {
                w.Write(v);
            }

            Pad(w);
        }
    }

    private GgufWriter Meta(string key, Action<BinaryWriter> write)
    {
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, write));
        return this;
    }

    private GgufWriter Array(string key, ValueType type, int count, Action<BinaryWriter> items) => Meta(key, w =>
    {
        w.Write((uint)ValueType.Array);
        w.Write((uint)type);
        w.Write((ulong)count);
        items(w);
    });

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void Pad(BinaryWriter w)
    {
        while (w.BaseStream.Position % Alignment != 0)
        {
            w.Write((byte)0);
        }
    }

    private static ulong Align(ulong n) => (n + Alignment - 1) / Alignment * Alignment;
}
