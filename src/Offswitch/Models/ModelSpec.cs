using Offswitch.Trials;

namespace Offswitch.Models;

/// <summary>
/// A parsed model spec string, e.g. <c>openai/gpt-4.1</c>, <c>openai-compatible/qwen3@http://127.0.0.1:8000/v1</c>,
/// <c>gguf:models/tiny.gguf</c>, <c>replay:transcripts/a.jsonl</c> or <c>reference/mixed?p=0.3</c>.
/// </summary>
/// <param name="Raw">The spec as written.</param>
/// <param name="Provider">Provider key (see <see cref="ModelCatalog.Providers"/>).</param>
/// <param name="Model">Model name, file path (gguf/replay) or reference agent name.</param>
/// <param name="Endpoint">Base URL for <c>openai-compatible</c>; null otherwise.</param>
/// <param name="Options">Query options (<c>?key=value&amp;...</c>), used by reference agents and GGUF models.</param>
public sealed record ModelSpec(string Raw, string Provider, string Model, string? Endpoint, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>Parses a spec string; throws <see cref="ModelConfigurationException"/> with a clear message when malformed.</summary>
    public static ModelSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        if (text.Length == 0)
        {
            throw new ModelConfigurationException("Empty model spec. " + ModelCatalog.SpecHelp);
        }

        // File-backed providers use "kind:PATH"; everything after the colon is the path, taken verbatim.
        foreach (var fileProvider in new[] { ModelCatalog.Gguf, ModelCatalog.Replay })
        {
            if (text.StartsWith(fileProvider + ":", StringComparison.OrdinalIgnoreCase))
            {
                var path = text[(fileProvider.Length + 1)..];
                if (path.Length == 0)
                {
                    throw new ModelConfigurationException($"Model spec '{spec}' has no file path: use {fileProvider}:PATH.");
                }

                // gguf:PATH?key=value&... carries options (grammar=1); a path without a "?key=value" tail is taken whole.
                var question = path.LastIndexOf('?');
                if (fileProvider == ModelCatalog.Gguf && question > 0 && path.IndexOf('=', question) > question)
                {
                    return new ModelSpec(spec, fileProvider, path[..question], null, ParseQuery(spec, path[(question + 1)..]));
                }

                return new ModelSpec(spec, fileProvider, path, null, Empty);
            }
        }

        var slash = text.IndexOf('/');
        if (slash <= 0)
        {
            throw new ModelConfigurationException($"Malformed model spec '{spec}'. " + ModelCatalog.SpecHelp);
        }

        var provider = text[..slash].ToLowerInvariant();
        var rest = text[(slash + 1)..];
        if (!ModelCatalog.Providers.Any(p => p.Name == provider))
        {
            throw new ModelConfigurationException(
                $"Unknown model provider '{provider}' in '{spec}'. Known providers: {string.Join(", ", ModelCatalog.Providers.Select(p => p.Name))}.");
        }

        if (rest.Length == 0)
        {
            throw new ModelConfigurationException($"Model spec '{spec}' names no model: use {provider}/MODEL.");
        }

        switch (provider)
        {
            case ModelCatalog.OpenAICompatible:
                {
                    var at = rest.LastIndexOf('@');
                    if (at <= 0 || at == rest.Length - 1)
                    {
                        throw new ModelConfigurationException(
                            $"Model spec '{spec}' needs a base URL: use openai-compatible/MODEL@URL, e.g. openai-compatible/qwen3@http://127.0.0.1:8000/v1.");
                    }

                    var url = rest[(at + 1)..];
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        throw new ModelConfigurationException($"Model spec '{spec}' has an invalid base URL '{url}': use an absolute http(s) URL such as http://127.0.0.1:8000/v1.");
                    }

                    return new ModelSpec(spec, provider, rest[..at], url, Empty);
                }

            case ModelCatalog.Reference:
                {
                    var question = rest.IndexOf('?');
                    var name = question < 0 ? rest : rest[..question];
                    if (name.Length == 0)
                    {
                        throw new ModelConfigurationException($"Model spec '{spec}' names no reference agent: use reference/NAME.");
                    }

                    return new ModelSpec(spec, provider, name, null, question < 0 ? Empty : ParseQuery(spec, rest[(question + 1)..]));
                }

            default:
                return new ModelSpec(spec, provider, rest, null, Empty);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Raw;

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static Dictionary<string, string> ParseQuery(string spec, string query)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                throw new ModelConfigurationException($"Malformed option '{part}' in model spec '{spec}': use key=value, e.g. reference/mixed?p=0.3.");
            }

            options[Uri.UnescapeDataString(part[..eq])] = Uri.UnescapeDataString(part[(eq + 1)..]);
        }

        return options;
    }
}

/// <summary>A model spec that cannot be used: malformed, unknown provider, missing key or file, unknown agent.</summary>
public sealed class ModelConfigurationException(string message) : UserErrorException(message);

/// <summary>One provider, for <c>offswitch list providers</c>.</summary>
/// <param name="Name">Provider key as written in a spec.</param>
/// <param name="Pattern">Spec pattern, e.g. <c>openai/MODEL</c>.</param>
/// <param name="EnvironmentVariables">Variables read (required ones first).</param>
/// <param name="Description">One line.</param>
public sealed record ProviderInfo(string Name, string Pattern, IReadOnlyList<string> EnvironmentVariables, string Description);
