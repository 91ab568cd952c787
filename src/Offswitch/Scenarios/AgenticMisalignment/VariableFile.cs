using System.Text.Json;
using System.Text.RegularExpressions;
using Offswitch.Trials;

namespace Offswitch.Scenarios.AgenticMisalignment;

/// <summary>
/// A variables file: markdown where each <c>## Section</c> line is followed by a fenced <c>```json</c> object of values.
/// Parsed with the original generator's pattern and key normalisation (lower case; spaces and hyphens become '_').
/// </summary>
public static partial class VariableFile
{
    /// <summary>Section key → variables, in file order. A later section with the same key replaces the earlier one.</summary>
    /// <exception cref="InvalidInputException">A section's JSON does not parse or is not an object.</exception>
    public static IReadOnlyList<KeyValuePair<string, IReadOnlyDictionary<string, string>>> Parse(string text, string path)
    {
        var sections = new List<KeyValuePair<string, IReadOnlyDictionary<string, string>>>();
        foreach (Match match in Section().Matches(text))
        {
            var key = match.Groups[1].Value.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
            Dictionary<string, string> values;
            try
            {
                using var json = JsonDocument.Parse(match.Groups[2].Value);
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidInputException($"Variables file {path}: section '{match.Groups[1].Value.Trim()}' must hold one JSON object.");
                }

                values = json.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(),
                    StringComparer.Ordinal);
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException($"Variables file {path}: the JSON of section '{match.Groups[1].Value.Trim()}' does not parse ({ex.Message}).");
            }

            var index = sections.FindIndex(s => s.Key == key);
            var entry = new KeyValuePair<string, IReadOnlyDictionary<string, string>>(key, values);
            if (index >= 0)
            {
                sections[index] = entry;
            }
            else
            {
                sections.Add(entry);
            }
        }

        return sections;
    }

    // The generator's pattern: "## (.*?)\n\s*```json\s*(.*?)\s*```" with DOTALL.
    [GeneratedRegex(@"## (.*?)\n\s*```json\s*(.*?)\s*```", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Section();
}
