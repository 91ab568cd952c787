using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Offswitch.IntegrationTests.MockProviders;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>Sampling options and retries, observed on the wire of the mock providers.</summary>
public sealed class ProviderWireTests : IAsyncLifetime
{
    private static readonly ModelOptions Sampling = new() { Temperature = 0.25f, MaxOutputTokens = 321, Seed = 4242, ReasoningEffort = "low" };
    private MockProviderServer _server = null!;

    public async Task InitializeAsync() => _server = await MockProviderServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ModelCatalog NewCatalog(int attempts = 6, TimeSpan? requestTimeout = null) => new(new ModelCatalogOptions
    {
        Retry = new RetryOptions
        {
            MaxAttempts = attempts,
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromSeconds(5),
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(20),
        },
    });

    private IChatClient Create(ModelCatalog catalog, string provider, ModelOptions? options = null)
    {
        var env = new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = "sk-test",
            ["OPENAI_BASE_URL"] = _server.OpenAIBaseUrl,
            ["ANTHROPIC_API_KEY"] = "sk-ant-test",
            ["ANTHROPIC_BASE_URL"] = _server.BaseUrl,
        };
        var spec = provider switch
        {
            "openai" => "openai/gpt-mock",
            "anthropic" => "anthropic/claude-mock",
            _ => $"openai-compatible/qwen-mock@{_server.OpenAIBaseUrl}",
        };
        return catalog.Create(spec, new ModelCreationContext(Options: options, Environment: env.GetValueOrDefault));
    }

    private static Task<AgentRunResult> RunAsync(IChatClient client, ModelOptions? options = null) =>
        new AgentLoop(client, new TrialRecorder(TimeProvider.System), options).RunAsync(new FakeTrialEnvironment().Setup(), new AgentLimits { MessageLimit = 20 });

    private static readonly MockResponse Submit = MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "ok" }));

    [Theory]
    [InlineData("openai")]
    [InlineData("openai-compatible")]
    public async Task OpenAIWire_ModelOptions_ReachTheRequest(string provider)
    {
        using var catalog = NewCatalog();
        _server.Enqueue(Submit);

        var result = await RunAsync(Create(catalog, provider, Sampling), Sampling);

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        var body = Assert.Single(_server.Requests).Body!;
        Assert.Equal(0.25, body["temperature"]!.GetValue<double>(), 3);
        Assert.Equal(321, (body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>());
        Assert.Equal(4242, body["seed"]!.GetValue<long>());
        Assert.Equal("low", body["reasoning_effort"]!.GetValue<string>());
        Assert.Equal(2, body["tools"]!.AsArray().Count);
    }

    [Fact]
    public async Task AnthropicWire_ModelOptions_ReachTheRequest()
    {
        using var catalog = NewCatalog();
        var options = Sampling with { ReasoningEffort = null };
        _server.Enqueue(Submit);

        var result = await RunAsync(Create(catalog, "anthropic", options), options);

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        var request = Assert.Single(_server.Requests);
        var body = request.Body!;
        Assert.Equal(321, body["max_tokens"]!.GetValue<int>());
        Assert.Null(body["thinking"]);
        // Anthropic SDK 13.14.0's MessageCreateParams has no temperature (and the API no seed): neither can be sent.
        // This fails on purpose if an SDK update starts sending them, so the documentation gets updated.
        Assert.Null(body["temperature"]);
        Assert.Null(body["seed"]);
        Assert.Equal("Bearer sk-ant-test", request.Headers["authorization"]);
        Assert.Equal("You are an agent in a test.", SystemText(body["system"]));
    }

    [Fact]
    public async Task AnthropicWire_ReasoningEffort_SendsAdaptiveThinking()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(Submit);

        var result = await RunAsync(Create(catalog, "anthropic", Sampling), Sampling);

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        var body = Assert.Single(_server.Requests).Body!;
        Assert.Equal("adaptive", body["thinking"]!["type"]!.GetValue<string>());
        Assert.Equal("low", body["output_config"]!["effort"]!.GetValue<string>());
        Assert.Equal(321, body["max_tokens"]!.GetValue<int>());
        // With thinking on, the SDK adapter leaves temperature out (the Messages API accepts only the default then).
        Assert.Null(body["temperature"]);
    }

    [Theory]
    [InlineData("openai", 429)]
    [InlineData("anthropic", 429)]
    [InlineData("openai-compatible", 503)]
    public async Task Retry_RetryAfterOneSecond_IsHonouredThenSucceeds(string provider, int status)
    {
        using var catalog = NewCatalog();
        _server.Enqueue(MockResponse.Error(status, retryAfter: "1"), Submit);

        var result = await RunAsync(Create(catalog, provider));

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        // The backoff alone would wait ~5 ms; only Retry-After explains a gap of about a second.
        Assert.InRange(requests[1].At - requests[0].At, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(4));
        Assert.Equal(1, result.Usage.ModelCalls);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Retry_FiveServerErrors_LoopEndsWithError(string provider)
    {
        using var catalog = NewCatalog(attempts: 5);
        _server.Enqueue(Enumerable.Repeat(MockResponse.Error(500), 5).Append(Submit).ToArray());

        var result = await RunAsync(Create(catalog, provider));

        Assert.Equal(AgentStopReason.Error, result.StopReason);
        Assert.Contains("model call failed", result.Error, StringComparison.Ordinal);
        Assert.Equal(5, _server.Requests.Count);
    }

    [Fact]
    public async Task Retry_ClientError_IsNotRetried()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(MockResponse.Error(400), Submit);

        var result = await RunAsync(Create(catalog, "openai"));

        Assert.Equal(AgentStopReason.Error, result.StopReason);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Retry_AttemptTimesOut_IsRetried()
    {
        using var catalog = NewCatalog(requestTimeout: TimeSpan.FromMilliseconds(300));
        _server.Enqueue(Submit with { Delay = TimeSpan.FromSeconds(10) }, Submit);

        var result = await RunAsync(Create(catalog, "openai"));

        Assert.Equal(AgentStopReason.EnvironmentEnded, result.StopReason);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task OpenAIWire_ReasoningTokens_ComeThroughUsage()
    {
        using var catalog = NewCatalog();
        _server.Enqueue(Submit with { ReasoningTokens = 7, InputTokens = 100, OutputTokens = 20 });

        var result = await RunAsync(Create(catalog, "openai"));

        Assert.Equal(new Offswitch.Trials.Usage(100, 20, 7, 1), result.Usage);
    }

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    public async Task OpenAICompatibleWire_ReasoningField_IsKept(string field)
    {
        using var catalog = NewCatalog();
        _server.Enqueue(Submit with { Reasoning = "Thinking it over.", ReasoningField = field });

        var result = await RunAsync(Create(catalog, "openai-compatible"));

        var reasoning = result.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>();
        Assert.Equal("Thinking it over.", Assert.Single(reasoning).Text);
    }

    private static string SystemText(JsonNode? system) => system switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray a => string.Concat(a.Select(b => b?["text"]?.GetValue<string>())),
        _ => string.Empty,
    };
}
