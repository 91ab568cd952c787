using System.Text;
using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>
/// A scenario's data files (prompts, environment texts, scripts), embedded from its folder's <c>Data/</c> directory so
/// that researchers can read and diff them next to the code.
/// </summary>
/// <param name="folder">The scenario's folder under <c>Scenarios/</c>, e.g. "ShutdownResistance".</param>
/// <param name="scenario">The scenario's name, for error messages.</param>
internal sealed class ScenarioData(string folder, string scenario)
{
    /// <summary>A data file's text without the one final newline data files end with by convention.</summary>
    public string Text(string file)
    {
        var text = Encoding.UTF8.GetString(Bytes(file));
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>A data file's bytes, exactly as committed.</summary>
    public byte[] Bytes(string file)
    {
        var assembly = typeof(ScenarioData).Assembly;
        var suffix = $".{folder}.Data.{file}";
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Embedded data file '{file}' of {scenario} is missing.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A JSON data file read with Offswitch's JSON conventions.</summary>
    public T Json<T>(string file) =>
        JsonSerializer.Deserialize<T>(Bytes(file), JsonDefaults.Options)
        ?? throw new InvalidOperationException($"Embedded data file '{file}' of {scenario} is empty.");
}
