using System.Text.Json;
using System.Text.Json.Serialization;
using Offswitch.Trials;

namespace Offswitch.Models;

/// <summary>One price entry: USD per million tokens for the model specs matching <see cref="Model"/>.</summary>
/// <param name="Model">A spec pattern: <c>provider/model</c>, where <c>*</c> matches any run of characters.</param>
/// <param name="Input">USD per million input (prompt) tokens.</param>
/// <param name="Output">USD per million output tokens.</param>
/// <param name="Reasoning">USD per million reasoning tokens; null bills them at the output price (they are counted inside output tokens).</param>
public sealed record ModelPrice(string Model, double Input, double Output, double? Reasoning = null);

/// <summary>
/// Token prices by model spec pattern, from the table shipped with the tool (<c>Models/Data/prices.json</c>) optionally
/// overridden by a user file. A model with no matching entry has an unknown cost (null), never 0.
/// </summary>
public sealed class PriceTable
{
    private const string ResourceName = "Offswitch.Models.prices.json";
    private readonly IReadOnlyList<ModelPrice> _prices;

    /// <summary>A table of the given entries; later entries take precedence over earlier ones with an equally specific pattern.</summary>
    public PriceTable(IEnumerable<ModelPrice> prices) => _prices = [.. prices];

    /// <summary>Every entry, shipped ones first.</summary>
    public IReadOnlyList<ModelPrice> Entries => _prices;

    /// <summary>The table shipped with the tool.</summary>
    public static PriceTable Default { get; } = new(LoadShipped());

    /// <summary>The shipped table with the entries of <paramref name="overridePath"/> (same format) taking precedence.</summary>
    /// <exception cref="ModelConfigurationException">The file is missing or malformed.</exception>
    public static PriceTable Load(string? overridePath)
    {
        if (overridePath is null)
        {
            return Default;
        }

        if (!File.Exists(overridePath))
        {
            throw new ModelConfigurationException($"Price file '{overridePath}' not found (full path {Path.GetFullPath(overridePath)}).");
        }

        try
        {
            return new PriceTable([.. Default.Entries, .. Parse(File.ReadAllText(overridePath), overridePath)]);
        }
        catch (JsonException ex)
        {
            throw new ModelConfigurationException($"Price file '{overridePath}' is not valid: {ex.Message} Expected the format of the shipped table: {{\"prices\": [{{\"model\": \"openai/gpt-4.1\", \"input\": 2, \"output\": 8}}]}}.");
        }
    }

    /// <summary>The price of a model spec, or null when no entry matches.</summary>
    public ModelPrice? Find(string modelSpec)
    {
        var key = Normalize(modelSpec);
        ModelPrice? best = null;
        var bestScore = -1;
        foreach (var price in _prices)
        {
            if (!Matches(price.Model, key))
            {
                continue;
            }

            // Exact entries beat wildcards; among wildcards the longer literal part is the more specific one; ties go to the later (override) entry.
            var score = price.Model.Contains('*', StringComparison.Ordinal) ? price.Model.Replace("*", "", StringComparison.Ordinal).Length : int.MaxValue;
            if (score >= bestScore)
            {
                best = price;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>The cost of <paramref name="usage"/> for a model spec in USD, or null when its price is unknown.</summary>
    public double? Cost(string modelSpec, Usage usage) => Find(modelSpec) is { } price ? Cost(price, usage) : null;

    /// <summary>The cost of <paramref name="usage"/> at <paramref name="price"/>.</summary>
    public static double Cost(ModelPrice price, Usage usage)
    {
        var reasoning = Math.Min(usage.ReasoningTokens, usage.OutputTokens);
        var visibleOutput = usage.OutputTokens - reasoning;
        return ((usage.InputTokens * price.Input) + (visibleOutput * price.Output) + (reasoning * (price.Reasoning ?? price.Output))) / 1_000_000d;
    }

    // The endpoint of an openai-compatible spec does not change what a model costs; the query of a reference agent neither.
    private static string Normalize(string spec)
    {
        var text = spec.Trim();
        if (text.StartsWith(ModelCatalog.OpenAICompatible + "/", StringComparison.OrdinalIgnoreCase) && text.LastIndexOf('@') is var at and > 0)
        {
            text = text[..at];
        }

        return text;
    }

    private static bool Matches(string pattern, string key)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(pattern, key, StringComparison.OrdinalIgnoreCase);
        }

        if (!key.StartsWith(parts[0], StringComparison.OrdinalIgnoreCase) || !key.EndsWith(parts[^1], StringComparison.OrdinalIgnoreCase)
            || key.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var position = parts[0].Length;
        var end = key.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = key.IndexOf(parts[i], position, end - position, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }

            position = found + parts[i].Length;
        }

        return true;
    }

    private static List<ModelPrice> LoadShipped()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The shipped price table {ResourceName} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "the shipped price table");
    }

    private static List<ModelPrice> Parse(string json, string source)
    {
        var file = JsonSerializer.Deserialize<PriceFile>(json, FileOptions) ?? throw new JsonException("the file is empty.");
        var prices = new List<ModelPrice>();
        foreach (var entry in file.Prices ?? throw new JsonException("it has no \"prices\" list."))
        {
            if (string.IsNullOrWhiteSpace(entry.Model) || entry.Input is not { } input || entry.Output is not { } output)
            {
                throw new JsonException($"every entry of {source} needs \"model\", \"input\" and \"output\" (entry '{entry.Model}').");
            }

            if (input < 0 || output < 0 || entry.Reasoning < 0)
            {
                throw new JsonException($"prices cannot be negative (entry '{entry.Model}').");
            }

            prices.Add(new ModelPrice(entry.Model.Trim(), input, output, entry.Reasoning));
        }

        return prices;
    }

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private sealed record PriceFile([property: JsonPropertyName("prices")] List<PriceEntry>? Prices);

    private sealed record PriceEntry(
        [property: JsonPropertyName("model")] string? Model,
        [property: JsonPropertyName("input")] double? Input,
        [property: JsonPropertyName("output")] double? Output,
        [property: JsonPropertyName("reasoning")] double? Reasoning);
}
