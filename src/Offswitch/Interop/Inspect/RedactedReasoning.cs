using Microsoft.Extensions.AI;

namespace Offswitch.Interop.Inspect;

/// <summary>
/// Anthropic's redacted thinking as the Anthropic SDK's chat client stores it: empty text, the opaque data as protected
/// data, and a marker in the additional properties (an omitted-display thinking block also has empty text and opaque
/// data; only the marker tells them apart, and the SDK sends each back as its own block type).
/// </summary>
internal static class RedactedReasoning
{
    /// <summary>The Anthropic SDK's marker key (13.x), persisted with the transcript.</summary>
    public const string MarkerKey = "anthropic:redacted_thinking";

    public static bool IsRedacted(TextReasoningContent content) =>
        content.AdditionalProperties?.TryGetValue(MarkerKey, out var value) == true
        && value is true or System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.True };

    public static TextReasoningContent Create(string data) =>
        new(string.Empty) { ProtectedData = data, AdditionalProperties = new() { [MarkerKey] = true } };
}
