using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;
using Offswitch.Trials;
using OpenAI;

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
/// Maps spec strings to <see cref="IChatClient"/>s. One instance per process: it owns the shared HTTP client
/// (with the retry policy) that every HTTP provider uses.
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

    /// <summary>Every provider, for <c>offswitch list providers</c>.</summary>
    public static IReadOnlyList<ProviderInfo> Providers { get; } =
    [
        new(OpenAI, "openai/MODEL", ["OPENAI_API_KEY", "OPENAI_BASE_URL"], "OpenAI Chat Completions through the official SDK (OPENAI_BASE_URL must end in /v1)."),
        new(Anthropic, "anthropic/MODEL", ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"], "Anthropic Messages API through the official SDK."),
        new(OpenAICompatible, "openai-compatible/MODEL@URL", ["OFFSWITCH_API_KEY"], "Any OpenAI-compatible server (vLLM, llama.cpp, OpenRouter, xAI...); URL includes /v1; key optional."),
        new(Ollama, "ollama/MODEL", ["OLLAMA_HOST"], "A local Ollama server's OpenAI-compatible endpoint (default http://127.0.0.1:11434)."),
        new(Gguf, "gguf:PATH", [], "A local GGUF model run in-process (LLamaSharp, CPU), prompted with its own chat template and native tool calls; gguf:PATH?grammar=1 for a plain transcript with a JSON tool-call grammar."),
        new(Replay, "replay:PATH", [], "Replays assistant turns from a JSONL file, one turn per line."),
        new(Reference, "reference/NAME[?key=value&...]", [], "A scripted control agent registered by the scenario (not an AI model)."),
    ];

    internal const string SpecHelp =
        "Use one of: openai/MODEL, anthropic/MODEL, openai-compatible/MODEL@URL, ollama/MODEL, gguf:PATH, replay:PATH, reference/NAME.";

    private const int DefaultAnthropicMaxTokens = 8192;
    private readonly ModelCatalogOptions _options;
    private readonly Lazy<HttpClient> _http;

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
    }

    /// <summary>The adaptive concurrency limiters of HTTP providers; null when not limiting.</summary>
    public ProviderRateLimits? RateLimits => _options.RateLimits;

    /// <summary>True for scripted controls (<c>reference/*</c>), whose results are never presented as a model's.</summary>
    public static bool IsControl(string spec) =>
        spec.TrimStart().StartsWith(Reference + "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Checks a spec before any trial starts: syntax, provider, API key, files, reference agent.
    /// Throws <see cref="ModelConfigurationException"/> with one clear message.
    /// </summary>
    public ModelSpec Validate(string spec, ModelCreationContext context)
    {
        var parsed = ModelSpec.Parse(spec);
        switch (parsed.Provider)
        {
            case OpenAI:
                RequireKey(context, "OPENAI_API_KEY", parsed);
                OptionalUrl(context, "OPENAI_BASE_URL");
                break;
            case Anthropic:
                RequireKey(context, "ANTHROPIC_API_KEY", parsed);
                OptionalUrl(context, "ANTHROPIC_BASE_URL");
                break;
            case Ollama:
                _ = OllamaEndpoint(context);
                break;
            case Gguf:
                RequireFile(parsed, "GGUF model");
                _ = GgufChatClient.ValidateOptions(parsed.Options);
                break;
            case Replay:
                RequireFile(parsed, "replay file");
                _ = ReplayChatClient.Load(parsed.Model);
                break;
            case Reference:
                Controls(parsed, context).Validate(parsed);
                break;
        }

        return parsed;
    }

    /// <summary>Builds a fresh client for one trial (replay cursors and reference agents are per trial).</summary>
    public IChatClient Create(string spec, ModelCreationContext context)
    {
        var parsed = Validate(spec, context);
        return parsed.Provider switch
        {
            OpenAI => CreateOpenAI(parsed.Model, context.Variable("OPENAI_BASE_URL"), context.Variable("OPENAI_API_KEY")!),
            OpenAICompatible => CreateOpenAI(parsed.Model, parsed.Endpoint, context.Variable("OFFSWITCH_API_KEY") ?? "no-key"),
            Ollama => CreateOpenAI(parsed.Model, OllamaEndpoint(context), "ollama"),
            Anthropic => CreateAnthropic(parsed.Model, context),
            Gguf => new GgufChatClient(parsed.Model, context.Seed, parsed.Options),
            Replay => new ReplayChatClient(ReplayChatClient.Load(parsed.Model), parsed.Model),
            Reference => Controls(parsed, context).Create(parsed, context.Seed),
            _ => throw new ModelConfigurationException($"Unknown model provider '{parsed.Provider}'. " + SpecHelp),
        };
    }

    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }

    private IChatClient CreateOpenAI(string model, string? endpoint, string key)
    {
        var options = new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(_http.Value),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = OverallTimeout(),
        };
        if (endpoint is not null)
        {
            options.Endpoint = new Uri(endpoint);
        }

        var inner = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), options).AsIChatClient();
        return new ReasoningFieldChatClient(inner);
    }

    private IChatClient CreateAnthropic(string model, ModelCreationContext context)
    {
        var client = new AnthropicClient
        {
            ApiKey = context.Variable("ANTHROPIC_API_KEY")!,
            HttpClient = _http.Value,
            MaxRetries = 0,
            Timeout = OverallTimeout(),
            BaseUrl = context.Variable("ANTHROPIC_BASE_URL")?.TrimEnd('/') ?? "https://api.anthropic.com",
        };

        return client.AsIChatClient(model, context.Options?.MaxOutputTokens ?? DefaultAnthropicMaxTokens);
    }

    // The SDKs' own timeouts must not cut the shared retry policy short; it enforces per-attempt timeouts itself.
    private TimeSpan OverallTimeout()
    {
        var retry = _options.Retry;
        return (retry.RequestTimeout + retry.MaxDelay) * Math.Max(1, retry.MaxAttempts);
    }

    private static string OllamaEndpoint(ModelCreationContext context)
    {
        var host = context.Variable("OLLAMA_HOST") ?? "http://127.0.0.1:11434";
        if (!host.Contains("://", StringComparison.Ordinal))
        {
            host = "http://" + host;
        }

        if (!Uri.TryCreate(host, UriKind.Absolute, out _))
        {
            throw new ModelConfigurationException($"OLLAMA_HOST '{host}' is not a valid URL; set it like OLLAMA_HOST=http://127.0.0.1:11434.");
        }

        return host.TrimEnd('/') + "/v1";
    }

    private static void RequireKey(ModelCreationContext context, string variable, ModelSpec spec)
    {
        if (context.Variable(variable) is null)
        {
            throw new ModelConfigurationException(
                $"Model '{spec.Raw}' needs an API key: set the environment variable {variable} (e.g. export {variable}=...).");
        }
    }

    private static void OptionalUrl(ModelCreationContext context, string variable)
    {
        if (context.Variable(variable) is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new ModelConfigurationException($"{variable} '{url}' is not an absolute URL.");
        }
    }

    private static void RequireFile(ModelSpec spec, string what)
    {
        if (!File.Exists(spec.Model))
        {
            throw new ModelConfigurationException($"Model '{spec.Raw}': {what} '{spec.Model}' not found (full path {Path.GetFullPath(spec.Model)}).");
        }
    }

    private static IControlAgents Controls(ModelSpec spec, ModelCreationContext context) =>
        context.Controls ?? throw new ModelConfigurationException($"Model '{spec.Raw}' is a reference agent; it needs a scenario to resolve it.");
}
