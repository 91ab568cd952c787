using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Models;

/// <summary>
/// Resolves <c>reference/NAME</c> specs. Scripted controls belong to a scenario, which sits above the providers, so
/// the catalog only knows this interface; <c>Offswitch.Scenarios.ScenarioControlAgents</c> implements it.
/// </summary>
public interface IControlAgents
{
    /// <summary>Checks that the spec names a control (and its options); throws <see cref="ModelConfigurationException"/>.</summary>
    void Validate(ModelSpec spec);

    /// <summary>A fresh client for one trial.</summary>
    IChatClient Create(ModelSpec spec, int seed);
}

/// <summary>What a client is built for: one trial of one scenario.</summary>
/// <param name="Controls">Resolves <c>reference/NAME</c>; may be null for other providers.</param>
/// <param name="Seed">The trial seed (reference agents, GGUF sampling when no model seed is set).</param>
/// <param name="Options">Sampling options; the agent loop sends them through <see cref="ChatOptions"/>.</param>
/// <param name="Environment">Environment-variable lookup; null reads the process environment.</param>
public sealed record ModelCreationContext(
    IControlAgents? Controls = null,
    int Seed = 0,
    ModelOptions? Options = null,
    Func<string, string?>? Environment = null)
{
    internal string? Variable(string name)
    {
        var value = (Environment ?? System.Environment.GetEnvironmentVariable)(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}

/// <summary>Settings of a <see cref="ModelCatalog"/>.</summary>
public sealed record ModelCatalogOptions
{
    /// <summary>Retry and timeout policy shared by every HTTP provider.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>Innermost HTTP handler (tests may substitute one); null uses a pooled socket handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Clock for retry delays.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Adaptive per-endpoint concurrency for every HTTP provider; null sends without limiting.</summary>
    public ProviderRateLimits? RateLimits { get; init; }
}

/// <summary>
/// Maps spec strings to <see cref="IChatClient"/>s through the registered <see cref="IModelProvider"/>s. One instance per
/// process: it owns the shared HTTP client (with the retry policy) that every HTTP provider uses. A run calls
/// <see cref="Prepare"/> once per model spec and <see cref="PreparedModel.Create"/> once per trial.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";
    public const string OpenAICompatible = "openai-compatible";
    public const string Ollama = "ollama";
    public const string Gguf = "gguf";
    public const string Replay = "replay";
    public const string Reference = "reference";

    /// <summary>The providers, in the order <c>offswitch list providers</c> shows them.</summary>
    public static IReadOnlyList<IModelProvider> Registered { get; } =
    [
        new OpenAIProvider(),
        new AnthropicProvider(),
        new OpenAICompatibleProvider(),
        new OllamaProvider(),
        new GgufProvider(),
        new ReplayProvider(),
        new ReferenceProvider(),
    ];

    /// <summary>Every provider, for <c>offswitch list providers</c>.</summary>
    public static IReadOnlyList<ProviderInfo> Providers { get; } = [.. Registered.Select(p => p.Info)];

    internal const string SpecHelp =
        "Use one of: openai/MODEL, anthropic/MODEL, openai-compatible/MODEL@URL, ollama/MODEL, gguf:PATH, replay:PATH, reference/NAME.";

    private readonly ModelCatalogOptions _options;
    private readonly Lazy<HttpClient> _http;
    private readonly ModelServices _services;

    public ModelCatalog(ModelCatalogOptions? options = null)
    {
        _options = options ?? new ModelCatalogOptions();
        _http = new Lazy<HttpClient>(() =>
        {
            var transport = _options.HttpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            return RetryHandler.CreateHttpClient(
                _options.Retry,
                _options.RateLimits is { } limits ? new AdaptiveConcurrencyHandler(limits, transport) : transport,
                _options.Time);
        });
        _services = new ModelServices(_http, _options.Retry);
    }

    /// <summary>The adaptive concurrency limiters of HTTP providers; null when not limiting.</summary>
    public ProviderRateLimits? RateLimits => _options.RateLimits;

    /// <summary>True for scripted controls (<c>reference/*</c>), whose results are never presented as a model's.</summary>
    public static bool IsControl(string spec) =>
        spec.TrimStart().StartsWith(Reference + "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses and checks a spec once (syntax, provider, API key, files, reference agent) and returns what builds its
    /// per-trial clients. Throws <see cref="ModelConfigurationException"/> with one clear message.
    /// </summary>
    public PreparedModel Prepare(string spec, ModelCreationContext context)
    {
        var parsed = ModelSpec.Parse(spec);
        var provider = Registered.FirstOrDefault(p => p.Info.Name == parsed.Provider)
            ?? throw new ModelConfigurationException($"Unknown model provider '{parsed.Provider}'. " + SpecHelp);
        return new PreparedModel(parsed, provider.Prepare(parsed, context, _services));
    }

    /// <summary>Checks a spec before any trial starts; see <see cref="Prepare"/>.</summary>
    public ModelSpec Validate(string spec, ModelCreationContext context) => Prepare(spec, context).Spec;

    /// <summary>Prepares the spec and builds one client with the context's seed (for single calls and tests).</summary>
    public IChatClient Create(string spec, ModelCreationContext context) => Prepare(spec, context).Create(context.Seed);

    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }
}
