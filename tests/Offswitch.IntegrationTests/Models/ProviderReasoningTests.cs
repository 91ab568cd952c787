using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Offswitch.IntegrationTests.MockProviders;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>
/// Reasoning through the real wire formats of the mock providers: what reaches the stored transcript (text, Anthropic
/// signatures, redacted thinking, the chat-completions field it came in), that it survives the store's JSON, and what is
/// sent back to the provider in the next turn.
/// </summary>
public sealed class ProviderReasoningTests : IAsyncLifetime
{
    private MockProviderServer _server = null!;

    public async Task InitializeAsync() => _server = await MockProviderServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ModelCatalog NewCatalog() => new(new ModelCatalogOptions
    {
        Retry = new RetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(20) },
    });

    private IChatClient Create(ModelCatalog catalog, string spec, ModelOptions? options = null)
    {
        var env = new Dictionary<string, string>
        {
            ["ANTHROPIC_API_KEY"] = "sk-ant-test",
            ["ANTHROPIC_BASE_URL"] = _server.BaseUrl,
        };
        return catalog.Create(spec, new ModelCreationContext(Options: options, Environment: env.GetValueOrDefault));
    }

    private static Task<AgentRunResult> RunAsync(IChatClient client, ModelOptions? options = null) =>
        new AgentLoop(client, new TrialRecorder(TimeProvider.System), options).RunAsync(new FakeTrialEnvironment().Setup(), new AgentLimits { MessageLimit = 20 });

    private static List<ChatMessage> ThroughStore(IReadOnlyList<ChatMessage> messages) =>
        JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(messages, JsonDefaults.Messages), JsonDefaults.Messages)!;

    private static JsonArray AssistantContent(ReceivedRequest request) =>
        request.Body!["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "assistant")!["content"]!.AsArray();

    [Fact]
    public async Task AnthropicThinking_ToolUseTurn_StoredWithSignatureAndSentBackBeforeTheToolUse()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(
            MockResponse.Turn("Looking.", "The shutdown is coming; I should check the script.", MockToolCall.Of("bash", new { command = "cat shutdown.sh" })) with { Signature = "sig-Abc123==" },
            MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "ok" })));

        var result = await RunAsync(Create(catalog, "anthropic/claude-mock"));

        var stored = ThroughStore(result.Messages);
        var reasoning = Assert.Single(stored.SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        Assert.Equal("The shutdown is coming; I should check the script.", reasoning.Text);
        Assert.Equal("sig-Abc123==", reasoning.ProtectedData);
        var content = AssistantContent(_server.Requests[1]);
        Assert.Equal(["thinking", "text", "tool_use"], content.Select(b => b!["type"]!.GetValue<string>()));
        Assert.Equal("The shutdown is coming; I should check the script.", content[0]!["thinking"]!.GetValue<string>());
        Assert.Equal("sig-Abc123==", content[0]!["signature"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnthropicRedactedThinking_AfterTheStore_IsSentBackAsRedactedThinking()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(MockResponse.Turn(null, "Visible part.", MockToolCall.Of("bash", new { command = "ls" })) with { RedactedThinking = "EncryptedBlob+/==" });
        var first = await Create(catalog, "anthropic/claude-mock").GetResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [.. FakeTrialEnvironment.Tools] });

        // A continuation from the stored transcript (e.g. an interrogation of an imported trial): no raw SDK objects left.
        var call = first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        var history = ThroughStore([new ChatMessage(ChatRole.User, "go"), .. first.Messages, new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "ran")])]);
        _ = await Create(catalog, "anthropic/claude-mock").GetResponseAsync(history, new ChatOptions { Tools = [.. FakeTrialEnvironment.Tools] });

        var blocks = history.SelectMany(m => m.Contents).OfType<TextReasoningContent>().ToList();
        Assert.Equal(["", "Visible part."], blocks.Select(b => b.Text));
        Assert.Equal("EncryptedBlob+/==", blocks[0].ProtectedData);
        var content = AssistantContent(_server.Requests[1]);
        Assert.Equal(["redacted_thinking", "thinking", "tool_use"], content.Select(b => b!["type"]!.GetValue<string>()));
        Assert.Equal("EncryptedBlob+/==", content[0]!["data"]!.GetValue<string>());
        Assert.Equal("mock-signature", content[1]!["signature"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnthropicWire_ReasoningEffort_AsksForTheThinkingText()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "ok" })));
        var options = new ModelOptions { ReasoningEffort = "low" };

        await RunAsync(Create(catalog, "anthropic/claude-mock", options), options);

        var thinking = _server.Requests[0].Body!["thinking"]!;
        Assert.Equal("adaptive", thinking["type"]!.GetValue<string>());
        Assert.Equal("summarized", thinking["display"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    public async Task OpenAICompatibleReasoning_ToolCallTurn_StoredWithItsFieldAndSentBackInIt(string field)
    {
        using var catalog = NewCatalog();
        _server.Enqueue(
            MockResponse.Turn(null, "I must check the script before the shutdown.", MockToolCall.Of("bash", new { command = "cat shutdown.sh" })) with { ReasoningField = field },
            MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "ok" })));

        var result = await RunAsync(Create(catalog, $"openai-compatible/deepseek-mock@{_server.OpenAIBaseUrl}"));

        var reasoning = Assert.Single(ThroughStore(result.Messages).SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        Assert.Equal("I must check the script before the shutdown.", reasoning.Text);
        Assert.Equal(field, ((JsonElement)reasoning.AdditionalProperties![ReasoningFieldChatClient.FieldProperty]!).GetString());
        var assistant = _server.Requests[1].Body!["messages"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "assistant")!;
        Assert.Equal("I must check the script before the shutdown.", assistant[field]!.GetValue<string>());
        Assert.Equal("cat shutdown.sh", JsonNode.Parse(assistant["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>())!["command"]!.GetValue<string>());
        Assert.Null(assistant[field == "reasoning" ? "reasoning_content" : "reasoning"]);
    }

    [Fact]
    public async Task OpenAICompatibleReasoning_FromTheStore_IsSentBackInItsField()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(MockResponse.Turn(null, "Thinking about it.", MockToolCall.Of("bash", new { command = "ls" })));
        var client = Create(catalog, $"openai-compatible/deepseek-mock@{_server.OpenAIBaseUrl}");
        var first = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")], new ChatOptions { Tools = [.. FakeTrialEnvironment.Tools] });
        var call = first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();

        var history = ThroughStore([new ChatMessage(ChatRole.User, "go"), .. first.Messages, new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "ran")])]);
        _ = await client.GetResponseAsync(history, new ChatOptions { Tools = [.. FakeTrialEnvironment.Tools] });

        var assistant = _server.Requests[1].Body!["messages"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "assistant")!;
        Assert.Equal("Thinking about it.", assistant["reasoning_content"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAIChatCompletions_NoReasoningReturned_NothingAddedOrSentBack()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(
            MockResponse.Turn("Let me look.", null, MockToolCall.Of("bash", new { command = "ls" })),
            MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "ok" })));

        var result = await RunAsync(Create(catalog, $"openai-compatible/gpt-mock@{_server.OpenAIBaseUrl}"));

        Assert.Empty(result.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        var assistant = _server.Requests[1].Body!["messages"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "assistant")!;
        Assert.Null(assistant["reasoning_content"]);
        Assert.Null(assistant["reasoning"]);
    }
}
