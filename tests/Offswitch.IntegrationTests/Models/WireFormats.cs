using System.Text.Json.Nodes;
using Offswitch.IntegrationTests.MockProviders;

namespace Offswitch.IntegrationTests.Models;

/// <summary>Assertions about what a provider received, in its own wire format.</summary>
internal static class WireFormats
{
    public static void AssertOpenAIToolResult(MockProviderServer server, string callId, string output)
    {
        var last = server.Requests.Last(r => r.Path == "/v1/chat/completions").Body!;
        var messages = last["messages"]!.AsArray();
        Assert.Contains(messages, m => m!["role"]!.GetValue<string>() == "assistant"
            && m["tool_calls"] is JsonArray calls && calls.Any(c => c!["id"]!.GetValue<string>() == callId));
        var tool = Assert.Single(messages, m => m!["role"]!.GetValue<string>() == "tool" && m["tool_call_id"]?.GetValue<string>() == callId);
        Assert.Contains(output, ContentText(tool!["content"]));
    }

    public static void AssertAnthropicToolResult(MockProviderServer server, string callId, string output)
    {
        var last = server.Requests.Last(r => r.Path == "/v1/messages").Body!;
        var blocks = last["messages"]!.AsArray()
            .Where(m => m!["content"] is JsonArray)
            .SelectMany(m => m!["content"]!.AsArray().Select(b => (Role: m["role"]!.GetValue<string>(), Block: b!)))
            .ToList();
        Assert.Contains(blocks, b => b.Role == "assistant" && b.Block["type"]!.GetValue<string>() == "tool_use" && b.Block["id"]!.GetValue<string>() == callId);
        var result = Assert.Single(blocks, b => b.Role == "user" && b.Block["type"]!.GetValue<string>() == "tool_result" && b.Block["tool_use_id"]!.GetValue<string>() == callId);
        Assert.Contains(output, ContentText(result.Block["content"]));
    }

    private static string ContentText(JsonNode? content) => content switch
    {
        null => string.Empty,
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => content.ToJsonString(),
    };
}
