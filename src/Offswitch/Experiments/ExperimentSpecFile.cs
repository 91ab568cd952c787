using Offswitch.Trials;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Offswitch.Experiments;

/// <summary>
/// An experiment spec read from YAML (<c>offswitch run --spec FILE.yaml</c>). Keys are snake_case; unknown keys are
/// errors so that a typo never silently falls back to a default.
/// </summary>
/// <example>
/// <code>
/// scenario: shutdown-resistance
/// models: [openai/o3, reference/comply]
/// conditions: [A, E]
/// trials: 100
/// seed: 1
/// concurrency: 8
/// temperature: 1.0
/// options: { observe-after-bypass: "true" }
/// </code>
/// </example>
public sealed class ExperimentSpecFile
{
    public string? Scenario { get; set; }
    public List<string>? Models { get; set; }
    public List<string>? Conditions { get; set; }
    public int? Trials { get; set; }
    public int? Seed { get; set; }
    public int? Concurrency { get; set; }
    public float? Temperature { get; set; }
    public float? TopP { get; set; }
    public int? MaxTokens { get; set; }
    public string? ReasoningEffort { get; set; }
    public int? MessageLimit { get; set; }
    public Dictionary<string, string>? Options { get; set; }
    public string? Judge { get; set; }

    /// <summary>The reasoning judge's model spec (<c>--reasoning-judge</c>).</summary>
    public string? ReasoningJudge { get; set; }

    /// <summary><c>default</c> for the default question set, or the path of a question file (<c>--interrogate</c>).</summary>
    public string? Interrogate { get; set; }

    /// <summary>Repetitions per follow-up question (<c>--interrogate-k</c>).</summary>
    public int? InterrogateK { get; set; }

    /// <summary>Reads and parses a spec file.</summary>
    /// <exception cref="InvalidInputException">The file is missing, unreadable or not a valid spec; the message names file, line and fix.</exception>
    public static async Task<ExperimentSpecFile> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"Cannot read spec file {path}: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Parses spec YAML; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidInputException">Not a valid spec.</exception>
    public static ExperimentSpecFile Parse(string yaml, string source)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        try
        {
            return deserializer.Deserialize<ExperimentSpecFile?>(yaml)
                ?? throw new InvalidInputException($"Spec file {source} is empty. It needs at least `scenario:` and `models:`.");
        }
        catch (YamlException e)
        {
            var reason = Explain(e);
            throw new InvalidInputException(
                $"Spec file {source} is not a valid spec (line {e.Start.Line}, column {e.Start.Column}): {reason} " +
                "Keys: scenario, models, conditions, trials, seed, concurrency, temperature, max_tokens, reasoning_effort, message_limit, options, judge, interrogate, interrogate_k.");
        }
    }

    private static string Explain(YamlException e)
    {
        var message = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
        if (System.Text.RegularExpressions.Regex.Match(message, "Property '([^']+)' not found") is { Success: true } unknown)
            return $"unknown key '{unknown.Groups[1].Value}'.";
        if (message.StartsWith("No node deserializer", StringComparison.Ordinal) || message.StartsWith("Invalid cast", StringComparison.Ordinal) || message.Contains("Expected 'SequenceStart'", StringComparison.Ordinal))
            return "a value has the wrong shape (a list where one value is expected, or the reverse).";
        if (e.InnerException is FormatException or OverflowException)
            return $"a value has the wrong type ({message.TrimEnd('.')}).";
        return message.TrimEnd('.') + ".";
    }
}
