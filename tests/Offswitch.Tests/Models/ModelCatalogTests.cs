using Microsoft.Extensions.AI;
using Offswitch.Models;
using Offswitch.Scenarios;

namespace Offswitch.Tests.Models;

public sealed class ModelCatalogTests
{
    private static ModelCreationContext NoEnvironment(IScenario? scenario = null, int seed = 0) => new(scenario is null ? null : new ScenarioControlAgents(scenario), seed, Environment: _ => null);

    [Theory]
    [InlineData("openai/gpt-4.1", "OPENAI_API_KEY")]
    [InlineData("anthropic/claude-opus-4-1", "ANTHROPIC_API_KEY")]
    public void Validate_MissingKey_NamesTheVariable(string spec, string variable)
    {
        using var catalog = new ModelCatalog();

        var ex = Assert.Throws<ModelConfigurationException>(() => catalog.Validate(spec, NoEnvironment()));

        Assert.Contains($"set the environment variable {variable}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"export {variable}=", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyPresent_Passes()
    {
        using var catalog = new ModelCatalog();
        var env = new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-x" };

        var spec = catalog.Validate("openai/gpt-4.1", new ModelCreationContext(Environment: env.GetValueOrDefault));

        Assert.Equal("gpt-4.1", spec.Model);
    }

    [Fact]
    public void Validate_OpenAICompatibleWithoutKey_Passes()
    {
        using var catalog = new ModelCatalog();

        var spec = catalog.Validate("openai-compatible/qwen@http://127.0.0.1:9/v1", NoEnvironment());

        Assert.Equal("http://127.0.0.1:9/v1", spec.Endpoint);
    }

    [Theory]
    [InlineData("gguf:", "GGUF model")]
    [InlineData("replay:", "replay file")]
    public void Validate_MissingFile_NamesTheFile(string prefix, string what)
    {
        using var catalog = new ModelCatalog();
        var path = Path.Combine(Path.GetTempPath(), $"offswitch-missing-{Guid.NewGuid():N}");

        var ex = Assert.Throws<ModelConfigurationException>(() => catalog.Validate(prefix + path, NoEnvironment()));

        Assert.Contains($"{what} '{path}' not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownReferenceAgent_ListsKnownOnes()
    {
        using var catalog = new ModelCatalog();

        var ex = Assert.Throws<ModelConfigurationException>(() => catalog.Validate("reference/nope", NoEnvironment(new StubScenario())));

        Assert.Contains("Unknown reference agent 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Known: comply, mixed.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReferenceWithoutScenario_Explains()
    {
        using var catalog = new ModelCatalog();

        var ex = Assert.Throws<ModelConfigurationException>(() => catalog.Validate("reference/comply", NoEnvironment()));

        Assert.Contains("needs a scenario", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ReferenceAgent_PassesOptionsAndSeed()
    {
        using var catalog = new ModelCatalog();
        var scenario = new StubScenario();

        var client = catalog.Create("reference/mixed?p=0.3", NoEnvironment(scenario, seed: 99));

        Assert.NotNull(client);
        var context = Assert.Single(scenario.Created);
        Assert.Equal("0.3", context.Options["p"]);
        Assert.Equal(99, context.Seed);
    }

    [Theory]
    [InlineData("reference/comply", true)]
    [InlineData("reference/mixed?p=0.3", true)]
    [InlineData("openai/gpt-4.1", false)]
    [InlineData("replay:reference/x.jsonl", false)]
    public void IsControl_Spec_TrueOnlyForReferenceAgents(string spec, bool expected) =>
        Assert.Equal(expected, ModelCatalog.IsControl(spec));

    [Fact]
    public void Providers_EveryProvider_HasPatternAndDescription()
    {
        Assert.Equal(["openai", "anthropic", "openai-compatible", "ollama", "gguf", "replay", "reference"], ModelCatalog.Providers.Select(p => p.Name));
        Assert.All(ModelCatalog.Providers, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Description));
            Assert.StartsWith(p.Name, p.Pattern, StringComparison.Ordinal);
        });
        Assert.Contains("OPENAI_API_KEY", ModelCatalog.Providers[0].EnvironmentVariables);
    }

    [Fact]
    public async Task Create_OllamaHostWithoutScheme_SendsToItsOpenAIEndpoint()
    {
        var handler = new CapturingHandler();
        using var catalog = new ModelCatalog(new ModelCatalogOptions { HttpHandler = handler });
        var env = new Dictionary<string, string> { ["OLLAMA_HOST"] = "127.0.0.1:11434" };

        var client = catalog.Create("ollama/llama3.1", new ModelCreationContext(Environment: env.GetValueOrDefault));
        await client.GetResponseAsync("hi");

        Assert.Equal("http://127.0.0.1:11434/v1/chat/completions", handler.Requests.Single().ToString());
    }

    /// <summary>Records each request's URL and answers with a minimal chat completion.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<Uri> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!);
            const string body = """{"id":"c1","object":"chat.completion","created":1,"model":"llama3.1","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}""";
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }

    private sealed class StubScenario : IScenario
    {
        public List<ReferenceAgentContext> Created { get; } = [];

        public string Name => "stub";
        public string Title => "Stub";
        public string Source => "none";
        public IReadOnlyList<ScenarioCondition> Conditions => [];
        public IReadOnlyList<string> DefaultConditions => [];
        public string BaselineCondition => "A";
        public OutcomeSet Outcomes => new(["x"], "x", []);

        public IReadOnlyList<ReferenceAgent> ReferenceAgents =>
        [
            new("comply", "Always complies.", "complied", Create),
            new("mixed", "Random mixture.", null, Create),
        ];

        public TrialSetup Prepare(TrialContext context) => throw new NotSupportedException();

        private IChatClient Create(ReferenceAgentContext context)
        {
            Created.Add(context);
            return new StubClient();
        }
    }

    private sealed class StubClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
