using Microsoft.Extensions.AI;
using Offswitch.IntegrationTests.MockProviders;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>
/// What every model client must do under the agent loop. Each client kind derives from this and says how to turn a
/// script of assistant turns into a client, and how its provider's wire format carries tool results.
/// </summary>
public abstract class AgentLoopConformanceTests : IAsyncLifetime
{
    protected MockProviderServer Server { get; private set; } = null!;

    protected ModelCatalog Catalog { get; } = new(new ModelCatalogOptions
    {
        Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(20) },
    });

    /// <summary>Builds a client that will answer with these turns, in order.</summary>
    protected abstract IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null);

    /// <summary>False for clients that report no token usage (replay).</summary>
    protected virtual bool ReportsUsage => true;

    /// <summary>Checks that the provider received this tool result in its own format; no-op for local clients.</summary>
    protected virtual void AssertToolResultOnWire(string callId, string output)
    {
    }

    public async Task InitializeAsync() => Server = await MockProviderServer.StartAsync();

    public async Task DisposeAsync()
    {
        Catalog.Dispose();
        await Server.DisposeAsync();
    }

    private static readonly MockResponse[] Conversation =
    [
        MockResponse.Turn("Let me look.", "I should inspect the directory first.", MockToolCall.Of("bash", new { command = "ls -la" })) with { ReasoningTokens = 3 },
        MockResponse.Turn("I have looked around."),
        MockResponse.Turn(null, null, MockToolCall.Of("bash", new { command = "cat notes.txt" })),
        MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "42" })),
    ];

    [Fact]
    public async Task RunAsync_MultiTurnToolCalls_EndsWhenEnvironmentSaysSo()
    {
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(CreateClient(Conversation), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits());

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        Assert.Null(result.Error);
        Assert.Equal(["bash", "bash", "submit"], environment.Calls.Select(c => c.Name));
        Assert.Equal(["ls -la", "cat notes.txt"], environment.Calls.Where(c => c.Name == "bash").Select(c => FakeTrialEnvironment.Argument(c, "command")));
        Assert.Equal("42", FakeTrialEnvironment.Argument(environment.Calls[^1], "answer"));
    }

    [Fact]
    public async Task RunAsync_ToolCalls_CallIdsRoundTripAndResultsReachTheProvider()
    {
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(CreateClient(Conversation), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits());

        var calls = result.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        var results = result.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.False(string.IsNullOrEmpty(c.CallId)));
        Assert.Equal(calls.Count, calls.Select(c => c.CallId).Distinct().Count());
        Assert.Equal(calls.Select(c => c.CallId), results.Select(r => r.CallId));
        Assert.Equal(environment.Calls.Select(c => c.CallId), calls.Select(c => c.CallId));
        // The last result ends the trial and is never sent; the earlier ones must reach the provider.
        foreach (var call in calls.Take(2))
        {
            AssertToolResultOnWire(call.CallId, FakeTrialEnvironment.OutputFor(call));
        }
    }

    [Fact]
    public async Task RunAsync_NoToolCall_SendsContinueMessage()
    {
        var environment = new FakeTrialEnvironment();
        var recorder = new TrialRecorder(TimeProvider.System);
        var loop = new AgentLoop(CreateClient(Conversation), recorder);

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits());

        var continues = result.Messages.Where(m => m.Role == ChatRole.User && m.Text == FakeTrialEnvironment.ContinueMessage).ToList();
        Assert.Single(continues);
        Assert.Single(recorder.Snapshot(), e => e.Kind == TrialEventKinds.Continue);
    }

    [Fact]
    public async Task RunAsync_ReasoningReturned_IsKeptInTheTurn()
    {
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(CreateClient(Conversation), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits());

        var firstAssistant = result.Messages.First(m => m.Role == ChatRole.Assistant);
        var reasoning = Assert.Single(firstAssistant.Contents.OfType<TextReasoningContent>());
        Assert.Equal("I should inspect the directory first.", reasoning.Text);
        Assert.DoesNotContain(result.Messages.SkipWhile(m => !ReferenceEquals(m, firstAssistant)).Skip(1), m => m.Contents.OfType<TextReasoningContent>().Any());
    }

    [Fact]
    public async Task RunAsync_Usage_IsSummedOverCalls()
    {
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(CreateClient(Conversation), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits());

        Assert.Equal(4, result.Usage.ModelCalls);
        if (ReportsUsage)
        {
            Assert.Equal(40, result.Usage.InputTokens);
            Assert.Equal(20, result.Usage.OutputTokens);
        }
    }

    [Fact]
    public async Task RunAsync_MessageLimit_StopsTheLoop()
    {
        var environment = new FakeTrialEnvironment();
        var endless = Enumerable.Range(0, 20).Select(i => MockResponse.Turn(null, null, MockToolCall.Of("bash", new { command = $"echo {i}" }))).ToArray();
        var loop = new AgentLoop(CreateClient(endless), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits { MessageLimit = 6 });

        Assert.Equal(AgentStopReason.MessageLimit, result.StopReason);
        Assert.Equal(6, result.Messages.Count);
        Assert.Equal(["echo 0", "echo 1"], environment.Calls.Select(c => FakeTrialEnvironment.Argument(c, "command")));
    }
}

public sealed class OpenAIConformanceTests : AgentLoopConformanceTests
{
    protected override IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null)
    {
        Server.Enqueue([.. script]);
        var env = new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-test", ["OPENAI_BASE_URL"] = Server.OpenAIBaseUrl };
        return Catalog.Create("openai/gpt-mock", new ModelCreationContext(Options: options, Environment: env.GetValueOrDefault));
    }

    protected override void AssertToolResultOnWire(string callId, string output) => WireFormats.AssertOpenAIToolResult(Server, callId, output);
}

public sealed class OpenAICompatibleConformanceTests : AgentLoopConformanceTests
{
    protected override IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null)
    {
        Server.Enqueue([.. script]);
        return Catalog.Create($"openai-compatible/qwen-mock@{Server.OpenAIBaseUrl}", new ModelCreationContext(Options: options, Environment: _ => null));
    }

    protected override void AssertToolResultOnWire(string callId, string output) => WireFormats.AssertOpenAIToolResult(Server, callId, output);
}

public sealed class OllamaConformanceTests : AgentLoopConformanceTests
{
    protected override IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null)
    {
        Server.Enqueue([.. script]);
        var env = new Dictionary<string, string> { ["OLLAMA_HOST"] = Server.BaseUrl };
        return Catalog.Create("ollama/llama-mock", new ModelCreationContext(Options: options, Environment: env.GetValueOrDefault));
    }

    protected override void AssertToolResultOnWire(string callId, string output) => WireFormats.AssertOpenAIToolResult(Server, callId, output);
}

public sealed class AnthropicConformanceTests : AgentLoopConformanceTests
{
    protected override IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null)
    {
        Server.Enqueue([.. script]);
        var env = new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk-ant-test", ["ANTHROPIC_BASE_URL"] = Server.BaseUrl };
        return Catalog.Create("anthropic/claude-mock", new ModelCreationContext(Options: options, Environment: env.GetValueOrDefault));
    }

    protected override void AssertToolResultOnWire(string callId, string output) => WireFormats.AssertAnthropicToolResult(Server, callId, output);
}

public sealed class ReplayConformanceTests : AgentLoopConformanceTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offswitch-replay-").FullName;

    protected override bool ReportsUsage => false;

    protected override IChatClient CreateClient(IReadOnlyList<MockResponse> script, ModelOptions? options = null)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, script.Select(t => System.Text.Json.JsonSerializer.Serialize(new
        {
            text = t.Text,
            reasoning = t.Reasoning,
            tool_calls = t.ToolCalls.Select(c => new { name = c.Name, arguments = c.Arguments }),
        }, new System.Text.Json.JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull })));
        return Catalog.Create("replay:" + path, new ModelCreationContext(Options: options));
    }
}
