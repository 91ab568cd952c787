using System.Globalization;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>What a scenario option's value is.</summary>
public enum ScenarioOptionKind
{
    /// <summary>Free text, checked by the scenario itself.</summary>
    Text,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Flag,

    /// <summary>A number (invariant culture).</summary>
    Number,

    /// <summary>A file or directory; resolved against the working directory before it is stored in the plan.</summary>
    Path,
}

/// <summary>
/// A setting a scenario declares, set with <c>--option NAME=VALUE</c> (or a spec file's <c>options:</c>). Declared options
/// are listed by <c>offswitch list options SCENARIO</c>; any other name is refused before a trial runs.
/// </summary>
/// <param name="Name">The key, e.g. <c>observe-after-bypass</c>.</param>
/// <param name="Kind">What its value is.</param>
/// <param name="Description">What it changes, and its default.</param>
public sealed record ScenarioOption(string Name, ScenarioOptionKind Kind, string Description);

/// <summary>The checks every scenario's options get before a scenario's own <see cref="IScenario.ValidateOptions"/>.</summary>
public static class ScenarioOptions
{
    /// <summary>
    /// Refuses options the scenario does not declare and values of the wrong kind; returns the options with path values
    /// made absolute (so a plan stored with them means the same thing from any directory).
    /// </summary>
    /// <exception cref="InvalidInputException">An unknown name or a malformed value, with the names the scenario knows.</exception>
    public static Dictionary<string, string> Check(IScenario scenario, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var declared = scenario.Options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in options)
        {
            if (!declared.TryGetValue(name, out var option))
            {
                var known = declared.Count == 0 ? "it takes none" : "it takes " + string.Join(", ", declared.Keys);
                throw new InvalidInputException(
                    $"Unknown option '{name}' for scenario '{scenario.Name}' ({known}). See `offswitch list options {scenario.Name}`.");
            }

            result[name] = option.Kind switch
            {
                ScenarioOptionKind.Flag when bool.TryParse(value, out var flag) => flag ? "true" : "false",
                ScenarioOptionKind.Flag => throw new InvalidInputException($"Option {name} takes true or false, not '{value}'."),
                ScenarioOptionKind.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => value,
                ScenarioOptionKind.Number => throw new InvalidInputException($"Option {name} takes a number, not '{value}'."),
                ScenarioOptionKind.Path when string.IsNullOrWhiteSpace(value) => throw new InvalidInputException($"Option {name} takes a path."),
                ScenarioOptionKind.Path => System.IO.Path.GetFullPath(value),
                _ => value,
            };
        }

        return result;
    }

    /// <summary>Whether a flag option is set to true.</summary>
    public static bool IsSet(IReadOnlyDictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && bool.TryParse(value, out var flag) && flag;
}
