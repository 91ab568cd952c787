using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace Offswitch.Trials;

/// <summary>One JSON configuration for everything Offswitch stores or prints.</summary>
public static class JsonDefaults
{
    /// <summary>snake_case, relaxed escaping, enums as strings: Offswitch's own records.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>Same as <see cref="Options"/>, indented for people.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>Microsoft.Extensions.AI's own options, for <see cref="ChatMessage"/> lists (keeps content polymorphism).</summary>
    public static JsonSerializerOptions Messages => AIJsonUtilities.DefaultOptions;

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
