using System.Text.RegularExpressions;

namespace Offswitch.Scenarios.AgenticMisalignment;

/// <summary>
/// Python's <c>string.Template.safe_substitute</c> semantics, which the original generator uses for every template:
/// <c>$$</c> becomes <c>$</c>; <c>$name</c> and <c>${name}</c> are replaced when the name is known and left exactly
/// as written when it is not; any other <c>$</c> stays. Names are ASCII identifiers, case-sensitive.
/// </summary>
public static partial class SafeTemplate
{
    /// <summary>Fills <paramref name="template"/> from <paramref name="variables"/>.</summary>
    public static string Substitute(string template, IReadOnlyDictionary<string, string> variables) =>
        Placeholder().Replace(template, match =>
        {
            if (match.Groups["escaped"].Success)
            {
                return "$";
            }

            var name = match.Groups["named"].Success ? match.Groups["named"].Value
                : match.Groups["braced"].Success ? match.Groups["braced"].Value
                : null;
            return name is not null && variables.TryGetValue(name, out var value) ? value : match.Value;
        });

    /// <summary>The placeholder names (<c>$name</c> or <c>${name}</c>) that <paramref name="template"/> uses.</summary>
    public static IReadOnlySet<string> Names(string template) =>
        Placeholder().Matches(template)
            .Select(m => m.Groups["named"].Success ? m.Groups["named"].Value : m.Groups["braced"].Success ? m.Groups["braced"].Value : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

    // Same alternatives, in the same order, as Python's Template pattern (identifiers are ASCII, matched greedily).
    [GeneratedRegex(@"\$(?:(?<escaped>\$)|(?<named>[_a-zA-Z][_a-zA-Z0-9]*)|\{(?<braced>[_a-zA-Z][_a-zA-Z0-9]*)\}|(?<invalid>))", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
