using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;
using OpenAI;

namespace Offswitch.Models;

/// <summary>
/// One kind of model (<c>openai/…</c>, <c>gguf:…</c>, …). The catalog parses a spec, finds its provider by name and asks
/// it once per run to check the spec and say how to build a client; that builder then runs once per trial.
/// </summary>
public interface IModelProvider
{
    /// <summary>Name, pattern, variables and description (for <c>offswitch list providers</c>).</summary>
    ProviderInfo Info { get; }

    /// <summary>
    /// Checks the spec (keys, files, options) and returns the per-trial client builder, which takes the trial seed.
    /// Throws <see cref="ModelConfigurationException"/> with one clear message.
    /// </summary>
    Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services);
}

/// <summary>What the catalog shares with its providers: the pooled HTTP client with its retry policy.</summary>
public sealed class ModelServices
{
    private readonly Lazy<HttpClient> _http;
    private readonly RetryOptions _retry;

    internal ModelServices(Lazy<HttpClient> http, RetryOptions retry)
    {
        _http = http;
        _retry = retry;
    }

    /// <summary>The shared HTTP client (retries, timeouts, adaptive concurrency).</summary>
    public HttpClient Http => _http.Value;

    /// <summary>
    /// The timeout to give an SDK: long enough never to cut the shared retry policy short (it enforces per-attempt
    /// timeouts itself).
    /// </summary>
    public TimeSpan OverallTimeout => (_retry.RequestTimeout + _retry.MaxDelay) * Math.Max(1, _retry.MaxAttempts);
}

/// <summary>A model spec parsed and checked once for a run; <see cref="Create"/> builds a fresh client for each trial.</summary>
public sealed class PreparedModel(ModelSpec spec, Func<int, IChatClient> create)
{
    /// <summary>The parsed spec.</summary>
    public ModelSpec Spec { get; } = spec;

    /// <summary>True for scripted controls (<c>reference/*</c>), whose results are never presented as a model's.</summary>
    public bool IsControl => Spec.Provider == ModelCatalog.Reference;

    /// <summary>A fresh client for one trial (replay cursors, GGUF sampling state and reference agents are per trial).</summary>
    public IChatClient Create(int seed) => create(seed);

    /// <summary>
    /// A prepared model around an existing builder (tests, benchmarks, stand-in judges). The spec is taken as a label,
    /// not checked: its provider is the text before the first '/' or ':'.
    /// </summary>
    public static PreparedModel Of(string spec, Func<int, IChatClient> create)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var end = spec.IndexOfAny(['/', ':']);
        var provider = end > 0 ? spec[..end].ToLowerInvariant() : spec;
        return new(new ModelSpec(spec, provider, end > 0 ? spec[(end + 1)..] : spec, null, new Dictionary<string, string>()), create);
    }
}

/// <summary>OpenAI Chat Completions and every server that speaks it, through the official SDK.</summary>
internal abstract class OpenAIWireProvider : IModelProvider
{
    public abstract ProviderInfo Info { get; }

    public Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services)
    {
        var (endpoint, key) = Connection(spec, context);
        var options = new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(services.Http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = services.OverallTimeout,
        };
        if (endpoint is not null)
        {
            options.Endpoint = new Uri(endpoint);
        }

        // The SDK client is thread-safe and cheap to share; one per run keeps its pipeline built once.
        var chat = new OpenAI.Chat.ChatClient(spec.Model, new ApiKeyCredential(key), options);
        return _ => new ChatClientBuilder(chat.AsIChatClient())
            .Use(inner => new ReasoningFieldChatClient(inner))
            .Build();
    }

    /// <summary>The base URL (null for the SDK's default) and the key, checked.</summary>
    protected abstract (string? Endpoint, string Key) Connection(ModelSpec spec, ModelCreationContext context);
}

internal sealed class OpenAIProvider : OpenAIWireProvider
{
    public override ProviderInfo Info { get; } = new(ModelCatalog.OpenAI, "openai/MODEL", ["OPENAI_API_KEY", "OPENAI_BASE_URL"],
        "OpenAI Chat Completions through the official SDK (OPENAI_BASE_URL must end in /v1).");

    protected override (string? Endpoint, string Key) Connection(ModelSpec spec, ModelCreationContext context)
    {
        var key = ProviderChecks.RequireKey(context, "OPENAI_API_KEY", spec);
        return (ProviderChecks.OptionalUrl(context, "OPENAI_BASE_URL"), key);
    }
}

internal sealed class OpenAICompatibleProvider : OpenAIWireProvider
{
    public override ProviderInfo Info { get; } = new(ModelCatalog.OpenAICompatible, "openai-compatible/MODEL@URL", ["OFFSWITCH_API_KEY"],
        "Any OpenAI-compatible server (vLLM, llama.cpp, OpenRouter, xAI...); URL includes /v1; key optional.");

    protected override (string? Endpoint, string Key) Connection(ModelSpec spec, ModelCreationContext context) =>
        (spec.Endpoint, context.Variable("OFFSWITCH_API_KEY") ?? "no-key");
}

internal sealed class OllamaProvider : OpenAIWireProvider
{
    public override ProviderInfo Info { get; } = new(ModelCatalog.Ollama, "ollama/MODEL", ["OLLAMA_HOST"],
        "A local Ollama server's OpenAI-compatible endpoint (default http://127.0.0.1:11434).");

    protected override (string? Endpoint, string Key) Connection(ModelSpec spec, ModelCreationContext context)
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

        return (host.TrimEnd('/') + "/v1", "ollama");
    }
}

internal sealed class AnthropicProvider : IModelProvider
{
    private const int DefaultMaxTokens = 8192;

    public ProviderInfo Info { get; } = new(ModelCatalog.Anthropic, "anthropic/MODEL", ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
        "Anthropic Messages API through the official SDK.");

    public Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services)
    {
        var key = ProviderChecks.RequireKey(context, "ANTHROPIC_API_KEY", spec);
        var baseUrl = ProviderChecks.OptionalUrl(context, "ANTHROPIC_BASE_URL")?.TrimEnd('/') ?? "https://api.anthropic.com";
        var maxTokens = context.Options?.MaxOutputTokens ?? DefaultMaxTokens;
        return _ => new AnthropicClient
        {
            ApiKey = key,
            HttpClient = services.Http,
            MaxRetries = 0,
            Timeout = services.OverallTimeout,
            BaseUrl = baseUrl,
        }.AsIChatClient(spec.Model, maxTokens);
    }
}

internal sealed class GgufProvider : IModelProvider
{
    public ProviderInfo Info { get; } = new(ModelCatalog.Gguf, "gguf:PATH", [],
        "A local GGUF model run in-process (LLamaSharp, CPU), prompted with its own chat template and native tool calls; gguf:PATH?grammar=1 for a plain transcript with a JSON tool-call grammar.");

    public Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services)
    {
        ProviderChecks.RequireFile(spec, "GGUF model");
        _ = GgufChatClient.ValidateOptions(spec.Options);
        return seed => new GgufChatClient(spec.Model, seed, spec.Options);
    }
}

internal sealed class ReplayProvider : IModelProvider
{
    public ProviderInfo Info { get; } = new(ModelCatalog.Replay, "replay:PATH", [], "Replays assistant turns from a JSONL file, one turn per line.");

    public Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services)
    {
        ProviderChecks.RequireFile(spec, "replay file");
        var turns = ReplayChatClient.Load(spec.Model); // read once per run; each trial gets its own cursor
        return _ => new ReplayChatClient(turns, spec.Model);
    }
}

internal sealed class ReferenceProvider : IModelProvider
{
    public ProviderInfo Info { get; } = new(ModelCatalog.Reference, "reference/NAME[?key=value&...]", [], "A scripted control agent registered by the scenario (not an AI model).");

    public Func<int, IChatClient> Prepare(ModelSpec spec, ModelCreationContext context, ModelServices services)
    {
        var controls = context.Controls
            ?? throw new ModelConfigurationException($"Model '{spec.Raw}' is a reference agent; it needs a scenario to resolve it.");
        controls.Validate(spec);
        return seed => controls.Create(spec, seed);
    }
}

/// <summary>The checks providers share, each failing with one message that names the fix.</summary>
internal static class ProviderChecks
{
    public static string RequireKey(ModelCreationContext context, string variable, ModelSpec spec) =>
        context.Variable(variable) ?? throw new ModelConfigurationException(
            $"Model '{spec.Raw}' needs an API key: set the environment variable {variable} (e.g. export {variable}=...).");

    public static string? OptionalUrl(ModelCreationContext context, string variable)
    {
        if (context.Variable(variable) is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new ModelConfigurationException($"{variable} '{url}' is not an absolute URL.");
        }

        return context.Variable(variable);
    }

    public static void RequireFile(ModelSpec spec, string what)
    {
        if (!File.Exists(spec.Model))
        {
            throw new ModelConfigurationException($"Model '{spec.Raw}': {what} '{spec.Model}' not found (full path {Path.GetFullPath(spec.Model)}).");
        }
    }
}
