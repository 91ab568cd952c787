using Offswitch.Trials;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Offswitch.Horizons;

/// <summary>
/// Model release dates from YAML: METR's <c>data/external/release_dates.yaml</c> layout (<c>date: {alias: YYYY-MM-DD}</c>)
/// or a flat mapping (<c>alias: YYYY-MM-DD</c>).
/// </summary>
public static class ReleaseDates
{
    /// <summary>Reads a release-dates file.</summary>
    /// <exception cref="InvalidInputException">The file is missing or malformed.</exception>
    public static async Task<IReadOnlyDictionary<string, DateOnly>> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"Release-dates file '{path}' not found. Write one as YAML, one 'model: YYYY-MM-DD' per line (METR's release_dates.yaml layout, 'date:' above them, works too).");
        }

        return Parse(await File.ReadAllTextAsync(path, cancellationToken), path);
    }

    /// <summary>Parses a release-dates document.</summary>
    public static IReadOnlyDictionary<string, DateOnly> Parse(string yaml, string source)
    {
        Dictionary<string, object?>? root;
        try
        {
            root = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object?>>(yaml);
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException($"Release-dates file '{source}' is not valid YAML ({ex.Message}). Write one 'model: YYYY-MM-DD' per line.");
        }

        var map = root is not null && root.Count == 1 && root.TryGetValue("date", out var nested) && nested is Dictionary<object, object> inner
            ? inner.ToDictionary(p => p.Key.ToString()!, p => (object?)p.Value)
            : root ?? [];
        var dates = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        foreach (var (model, value) in map)
        {
            var text = value?.ToString() ?? "";
            dates[model] = RunsTable.ParseDate(text)
                ?? throw new InvalidInputException($"Release-dates file '{source}': '{model}' has '{text}', which is not a date. Write it as YYYY-MM-DD.");
        }

        return dates;
    }
}
