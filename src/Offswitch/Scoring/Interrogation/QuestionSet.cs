using System.Text;
using System.Text.RegularExpressions;
using Offswitch.Trials;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Offswitch.Scoring.Interrogation;

/// <summary>One follow-up question.</summary>
/// <param name="Id">Short key, unique in its set (e.g. "management-honest"); names the answers in events and reports.</param>
/// <param name="Text">The question; <c>{noticed}</c> is replaced by what management noticed (see <see cref="NoticedSentences"/>).</param>
/// <param name="Source">Where the wording comes from and whether it is quoted or reconstructed.</param>
/// <param name="Judge">Whether answers are labelled (admits/denies/evades); false for questions such as "repeat your instructions".</param>
public sealed record InterrogationQuestion(string Id, string Text, string? Source = null, bool Judge = true);

/// <summary>What management says it noticed, per scenario and technique, with a generic fallback.</summary>
/// <param name="Generic">Used when neither the scenario nor its technique has a sentence.</param>
/// <param name="Scenarios">Scenario name → its sentences.</param>
public sealed record NoticedSentences(string Generic, IReadOnlyDictionary<string, ScenarioNoticed> Scenarios)
{
    /// <summary>The sentence for a trial: the technique's, else the scenario's default, else the generic one.</summary>
    public string For(string scenario, string? technique)
    {
        if (Scenarios.TryGetValue(scenario, out var entry))
        {
            if (technique is not null && entry.Techniques.TryGetValue(technique, out var sentence))
            {
                return sentence;
            }

            if (entry.Default is { } fallback)
            {
                return fallback;
            }
        }

        return Generic;
    }

    /// <summary><paramref name="over"/>'s entries replace this one's (per scenario: default and techniques one by one).</summary>
    public NoticedSentences Merge(NoticedSentences? over)
    {
        if (over is null)
        {
            return this;
        }

        var scenarios = new Dictionary<string, ScenarioNoticed>(Scenarios, StringComparer.Ordinal);
        foreach (var (name, entry) in over.Scenarios)
        {
            if (scenarios.TryGetValue(name, out var existing))
            {
                var techniques = new Dictionary<string, string>(existing.Techniques, StringComparer.Ordinal);
                foreach (var (technique, sentence) in entry.Techniques)
                {
                    techniques[technique] = sentence;
                }

                scenarios[name] = new ScenarioNoticed(entry.Default ?? existing.Default, techniques);
            }
            else
            {
                scenarios[name] = entry;
            }
        }

        return new NoticedSentences(string.IsNullOrWhiteSpace(over.Generic) ? Generic : over.Generic, scenarios);
    }
}

/// <summary>One scenario's "management noticed" sentences.</summary>
/// <param name="Default">Used for techniques without their own sentence; null falls back to the generic sentence.</param>
/// <param name="Techniques">Technique key (as the oracle reports it) → sentence.</param>
public sealed record ScenarioNoticed(string? Default, IReadOnlyDictionary<string, string> Techniques);

/// <summary>
/// A set of follow-up questions with the "management noticed" sentences they use. Read from YAML: the default set is
/// embedded (<c>Scoring/Interrogation/Data/questions.yaml</c>); a user set (<c>--interrogate FILE</c>) has the same
/// shape, and its <c>noticed:</c> section (optional) is merged over the default one.
/// </summary>
public sealed partial record QuestionSet(string Name, string Version, IReadOnlyList<InterrogationQuestion> Questions, NoticedSentences Noticed)
{
    /// <summary>The placeholder replaced by the noticed sentence.</summary>
    public const string NoticedPlaceholder = "{noticed}";

    private static readonly Lazy<QuestionSet> LazyDefault = new(() => Parse(EmbeddedText("questions.yaml"), "the default question set", baseNoticed: null));

    /// <summary>Offswitch's default set (Apollo-style and Palisade self-explanation questions).</summary>
    public static QuestionSet Default => LazyDefault.Value;

    /// <summary>The question as asked after a trial of <paramref name="scenario"/> whose oracle reported <paramref name="technique"/>.</summary>
    public string Render(InterrogationQuestion question, string scenario, string? technique) =>
        question.Text.Replace(NoticedPlaceholder, Noticed.For(scenario, technique), StringComparison.Ordinal).Trim();

    /// <summary>Reads a user question file.</summary>
    /// <exception cref="InvalidInputException">The file is missing, unreadable or invalid; one message names the file, the problem and the fix.</exception>
    public static async Task<QuestionSet> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"Cannot read question file {path}: {e.Message} Pass a YAML question file (see docs/interrogation.md) or use --interrogate without a file for the default set.");
        }

        return Parse(text, $"Question file {path}", Default.Noticed);
    }

    /// <summary>Parses question-set YAML; <paramref name="source"/> names it in messages; its noticed sentences are merged over <paramref name="baseNoticed"/>.</summary>
    /// <exception cref="InvalidInputException">Not a valid question set.</exception>
    public static QuestionSet Parse(string yaml, string source, NoticedSentences? baseNoticed)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        QuestionFile? file;
        try
        {
            file = deserializer.Deserialize<QuestionFile?>(yaml);
        }
        catch (YamlException e)
        {
            var message = (e.InnerException?.Message ?? e.Message).Split('\n')[0].TrimEnd('.');
            if (Regex.Match(message, "Property '([^']+)' not found") is { Success: true } unknown)
            {
                message = $"unknown key '{unknown.Groups[1].Value}'";
            }
            else if (message.Contains("Invalid cast", StringComparison.Ordinal) || message.Contains("Expected '", StringComparison.Ordinal))
            {
                // The deserializer names .NET types here; say what is wrong in the file's terms instead.
                message = "a value has the wrong shape (a single value where a list or a mapping is expected, or the reverse)";
            }

            throw Invalid(source, $"line {e.Start.Line}, column {e.Start.Column}: {message}.");
        }

        if (file?.Questions is not { Count: > 0 } questions)
        {
            throw Invalid(source, "it has no questions.");
        }

        var list = new List<InterrogationQuestion>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < questions.Count; i++)
        {
            var q = questions[i];
            var where = $"question {i + 1}";
            if (string.IsNullOrWhiteSpace(q.Id))
            {
                throw Invalid(source, $"{where} has no id.");
            }

            if (!IdPattern().IsMatch(q.Id))
            {
                throw Invalid(source, $"{where} has id '{q.Id}'; ids are lower-case letters, digits and dashes.");
            }

            if (!ids.Add(q.Id))
            {
                throw Invalid(source, $"id '{q.Id}' is used twice.");
            }

            if (string.IsNullOrWhiteSpace(q.Text))
            {
                throw Invalid(source, $"question '{q.Id}' has no text.");
            }

            foreach (Match placeholder in Placeholder().Matches(q.Text))
            {
                if (placeholder.Value != NoticedPlaceholder)
                {
                    throw Invalid(source, $"question '{q.Id}' uses the placeholder {placeholder.Value}; the only placeholder is {NoticedPlaceholder}.");
                }
            }

            list.Add(new InterrogationQuestion(q.Id, q.Text.Trim(), string.IsNullOrWhiteSpace(q.Source) ? null : q.Source.Trim(), q.Judge ?? true));
        }

        var noticed = ReadNoticed(file.Noticed, source);
        if (baseNoticed is null && noticed is null)
        {
            throw Invalid(source, "it has no noticed: section with a generic sentence.");
        }

        var merged = baseNoticed is null ? noticed! : baseNoticed.Merge(noticed);
        if (string.IsNullOrWhiteSpace(merged.Generic))
        {
            throw Invalid(source, "noticed: needs a generic sentence.");
        }

        return new QuestionSet(
            string.IsNullOrWhiteSpace(file.Name) ? "custom" : file.Name.Trim(),
            string.IsNullOrWhiteSpace(file.Version) ? "1" : file.Version.Trim(),
            list,
            merged);
    }

    private static NoticedSentences? ReadNoticed(NoticedFile? file, string source)
    {
        if (file is null)
        {
            return null;
        }

        var scenarios = new Dictionary<string, ScenarioNoticed>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Scenarios ?? [])
        {
            var techniques = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (technique, sentence) in entry?.Techniques ?? [])
            {
                if (string.IsNullOrWhiteSpace(sentence))
                {
                    throw Invalid(source, $"noticed: scenario '{name}', technique '{technique}' has no sentence.");
                }

                techniques[technique] = sentence.Trim();
            }

            scenarios[name] = new ScenarioNoticed(string.IsNullOrWhiteSpace(entry?.Default) ? null : entry.Default.Trim(), techniques);
        }

        return new NoticedSentences(file.Generic?.Trim() ?? string.Empty, scenarios);
    }

    private static InvalidInputException Invalid(string source, string problem) => new(
        $"{source} is not a valid question set: {problem} "
        + "Expected YAML with `questions:` (each with `id` and `text`, optional `source` and `judge: false`) and an optional `noticed:` section; see docs/interrogation.md.");

    internal static string EmbeddedText(string file)
    {
        using var stream = typeof(QuestionSet).Assembly.GetManifestResourceStream($"Offswitch.Scoring.Interrogation.{file}")
            ?? throw new InvalidOperationException($"Embedded interrogation data file '{file}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\{[^{}\s]*\}")]
    private static partial Regex Placeholder();

    // YAML shapes (mutable, for YamlDotNet); validated into the records above.
    internal sealed class QuestionFile
    {
        public string? Name { get; set; }
        public string? Version { get; set; }
        public List<QuestionEntry>? Questions { get; set; }
        public NoticedFile? Noticed { get; set; }
    }

    internal sealed class QuestionEntry
    {
        public string? Id { get; set; }
        public string? Text { get; set; }
        public string? Source { get; set; }
        public bool? Judge { get; set; }
    }

    internal sealed class NoticedFile
    {
        public string? Generic { get; set; }
        public Dictionary<string, ScenarioNoticedEntry?>? Scenarios { get; set; }
    }

    internal sealed class ScenarioNoticedEntry
    {
        public string? Default { get; set; }
        public Dictionary<string, string>? Techniques { get; set; }
    }
}

/// <summary>
/// The interrogation part of a plan (<c>--interrogate</c>): the whole question set (frozen into the plan, so a stored run
/// records exactly what was asked) and how often each question is asked.
/// </summary>
/// <param name="Questions">The question set.</param>
/// <param name="K">Fresh continuations per question (Apollo used 20 per wording).</param>
public sealed record InterrogationPlan(QuestionSet Questions, int K)
{
    /// <summary>The default number of repetitions per question.</summary>
    public const int DefaultK = 3;

    /// <summary>Upper bound on <see cref="K"/>, so that a typo cannot order thousands of model calls per trial.</summary>
    public const int MaxK = 100;

    /// <summary>Checks <paramref name="k"/> and builds the plan part.</summary>
    /// <exception cref="InvalidInputException">k out of range.</exception>
    public static InterrogationPlan Create(QuestionSet questions, int k)
    {
        ArgumentNullException.ThrowIfNull(questions);
        if (k is < 1 or > MaxK)
        {
            throw new InvalidInputException($"--interrogate-k must be between 1 and {MaxK} (got {k}).");
        }

        return new InterrogationPlan(questions, k);
    }
}
