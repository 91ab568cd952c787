using System.Text.Json.Serialization;
using Offswitch.Scenarios.Conversation;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>A proportion with its interval.</summary>
/// <param name="K">Trials counted.</param>
/// <param name="N">Trials it is a share of.</param>
/// <param name="Rate">K / N; null when N = 0.</param>
/// <param name="CiLow">Lower bound; null when N = 0.</param>
/// <param name="CiHigh">Upper bound; null when N = 0.</param>
public sealed record ConversationRate(int K, int N, double? Rate, double? CiLow, double? CiHigh);

/// <summary>The share of each theme among the trials that reached one turn index.</summary>
/// <param name="Turn">1-based turn index.</param>
/// <param name="Trials">Trials with a label for this turn.</param>
/// <param name="Shares">Theme → share of those trials, every theme in <see cref="ConversationThemes.All"/> order.</param>
public sealed record TurnThemeShare(int Turn, int Trials, IReadOnlyDictionary<string, double> Shares);

/// <summary>A published word's or emoji's use, in the system card's columns.</summary>
/// <param name="Name">The word, or the emoji's name.</param>
/// <param name="Symbol">The emoji itself; null for words.</param>
/// <param name="MeanPerTranscript">Average uses per transcript.</param>
/// <param name="PresentShare">Share of transcripts where it appears at least once.</param>
/// <param name="Max">Most uses in one transcript.</param>
public sealed record LexiconUse(string Name, string? Symbol, double MeanPerTranscript, double PresentShare, int Max);

/// <summary>
/// A model pair's conversations under one condition: attractor rates by the lexicon rule and by the judge, kept apart,
/// the turn it is reached at, early endings, loops, the theme share by turn index and the system card's word and emoji
/// tables.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Condition">Condition name.</param>
/// <param name="ModelA">The trial's model (instance A, speaks first).</param>
/// <param name="ModelB">Instance B: the partner, or the same spec for a model talking with itself.</param>
/// <param name="IsControl">True when either instance is a scripted control (not an AI model).</param>
/// <param name="Trials">Every stored trial of the pair.</param>
/// <param name="Counted">Trials not excluded (errors and discarded trials are left out of every measure below).</param>
/// <param name="Lexicon">Attractor reached by the lexicon labels, over counted trials.</param>
/// <param name="Judge">Attractor reached by the judge's labels, over trials the judge labelled in full; null when no trial was judged.</param>
/// <param name="JudgedTrials">Counted trials with a judge's labels (including those with a failed turn).</param>
/// <param name="UnjudgedTrials">Judged trials with at least one failed judge call (missing data, out of the judge's n).</param>
/// <param name="MeanAttractorTurnLexicon">Mean turn at which the lexicon labels reach the attractor, among trials that reach it.</param>
/// <param name="MeanAttractorTurnJudge">The same for the judge's labels.</param>
/// <param name="Ended">Counted trials ended early with the tool, over counted trials.</param>
/// <param name="MeanEndedTurn">Mean turn of those endings.</param>
/// <param name="Loops">Counted trials that fall into a two-turn loop.</param>
/// <param name="ThemeBasis">"judge" when the theme shares come from the judge's labels of every counted trial, "lexicon" when from the lexicon labels, "mixed" otherwise.</param>
/// <param name="ThemeShares">Theme share by turn index.</param>
/// <param name="Words">The system card's twelve words (Table 5.5.1.A columns).</param>
/// <param name="Emoji">The system card's twelve emoji (Table 5.5.1.B columns).</param>
public sealed record ConversationPair(
    string Scenario,
    string Condition,
    string ModelA,
    string ModelB,
    bool IsControl,
    int Trials,
    int Counted,
    ConversationRate Lexicon,
    ConversationRate? Judge,
    int JudgedTrials,
    int UnjudgedTrials,
    double? MeanAttractorTurnLexicon,
    double? MeanAttractorTurnJudge,
    ConversationRate Ended,
    double? MeanEndedTurn,
    int Loops,
    string ThemeBasis,
    IReadOnlyList<TurnThemeShare> ThemeShares,
    IReadOnlyList<LexiconUse> Words,
    IReadOnlyList<LexiconUse> Emoji)
{
    /// <summary>"A × B", with "(scripted control)" when either side is one.</summary>
    [JsonIgnore]
    public string PairLabel => $"{ModelA} × {ModelB}" + (IsControl ? " (scripted control)" : "");
}

/// <summary>Builds the conversation section of reports from stored trials. Pure: no I/O, no models.</summary>
public static class ConversationAnalysis
{
    /// <summary>What the report says when some verdicts were decided by the lexicon rule alone.</summary>
    public const string LexiconOnlyNote =
        "Lexicon-only verdicts: without --judge, the attractor is decided by this project's word lists (see the scenario README), a crude rule validated only on scripted controls; run with --judge MODEL for per-turn theme labels.";

    /// <summary>One pair per (scenario, condition, model, partner) among conversation trials; empty when there are none.</summary>
    /// <param name="trials">Stored trials (others than conversations are ignored).</param>
    /// <param name="runs">The runs, whose plans name each trial's partner.</param>
    public static IReadOnlyList<ConversationPair> Analyze(IReadOnlyList<TrialSummary> trials, IReadOnlyList<RunRecord> runs, IntervalMethod method = IntervalMethod.Jeffreys, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(runs);
        var scenario = new ConversationScenario();
        var partners = runs.ToDictionary(r => r.Id, r => scenario.PartnerSpec(r.Plan.ScenarioOptions), StringComparer.Ordinal);
        var excluded = ConversationOutcomes.Set.ExcludedFromN.Where(o => o != ConversationOutcomes.Unjudged).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. trials.Where(t => t.Key.Scenario == ConversationScenario.ScenarioName)
                .GroupBy(t => (t.Key.Condition, t.Key.Model, Partner: partners.GetValueOrDefault(t.RunId) ?? t.Key.Model))
                .OrderBy(g => scenario.Conditions.ToList().FindIndex(c => c.Name == g.Key.Condition))
                .ThenBy(g => g.Key.Model, StringComparer.Ordinal)
                .ThenBy(g => g.Key.Partner, StringComparer.Ordinal)
                .Select(g => Pair(g.Key.Condition, g.Key.Model, g.Key.Partner, [.. g], excluded, method, level)),
        ];
    }

    private static ConversationPair Pair(string condition, string modelA, string modelB, IReadOnlyList<TrialSummary> trials, HashSet<string> excluded, IntervalMethod method, double level)
    {
        var counted = trials.Where(t => t.Status != TrialStatus.Error && t.Outcome != Analysis.ErrorOutcome && !excluded.Contains(t.Outcome)).ToList();
        var judged = counted.Where(t => t.Scores.ContainsKey(ConversationScores.AttractorJudge)).ToList();
        var fullyJudged = judged.Where(t => t.Scores[ConversationScores.AttractorJudge] is not null).ToList();

        var shares = ThemeShares(counted, out var basis);
        return new ConversationPair(
            ConversationScenario.ScenarioName,
            condition,
            modelA,
            modelB,
            trials.Any(t => t.IsControl),
            trials.Count,
            counted.Count,
            Rate(counted.Count(t => Score(t, ConversationScores.AttractorLexicon) == 1), counted.Count, method, level),
            judged.Count == 0 ? null : Rate(fullyJudged.Count(t => Score(t, ConversationScores.AttractorJudge) == 1), fullyJudged.Count, method, level),
            judged.Count,
            judged.Count - fullyJudged.Count,
            Mean(counted, ConversationScores.AttractorTurnLexicon),
            Mean(fullyJudged, ConversationScores.AttractorTurnJudge),
            Rate(counted.Count(t => Score(t, ConversationScores.EndedEarly) == 1), counted.Count, method, level),
            Mean(counted, ConversationScores.EndedTurn),
            counted.Count(t => Score(t, ConversationScores.LoopTurn) is not null),
            basis,
            shares,
            [.. ConversationData.Lexicons.PublishedWords.Select(w => Use(counted, ConversationScores.WordPrefix + w, w, null))],
            [.. ConversationData.Lexicons.PublishedEmoji.Select(e => Use(counted, ConversationScores.EmojiPrefix + e.Name, e.Name, e.Emoji))]);
    }

    // Each trial is read with the labels that decided it: the judge's where it was judged, the lexicon's otherwise.
    private static List<TurnThemeShare> ThemeShares(IReadOnlyList<TrialSummary> trials, out string basis)
    {
        var counts = new SortedDictionary<int, int[]>();
        var judgeTrials = 0;
        foreach (var trial in trials)
        {
            var prefix = trial.Scores.ContainsKey(ConversationScores.AttractorJudge) ? ConversationScores.ThemeJudgePrefix : ConversationScores.ThemeLexiconPrefix;
            judgeTrials += prefix == ConversationScores.ThemeJudgePrefix ? 1 : 0;
            foreach (var (name, value) in trial.Scores)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal) && value is { } code && ConversationThemes.OfCode(code) is not null
                    && int.TryParse(name.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var turn))
                {
                    if (!counts.TryGetValue(turn, out var row))
                    {
                        counts[turn] = row = new int[ConversationThemes.All.Count];
                    }

                    row[(int)code]++;
                }
            }
        }

        basis = judgeTrials == 0 ? "lexicon" : judgeTrials == trials.Count ? "judge" : "mixed";
        return
        [
            .. counts.Select(p =>
            {
                var total = p.Value.Sum();
                return new TurnThemeShare(p.Key, total, ConversationThemes.All.Select((theme, i) => (theme, share: (double)p.Value[i] / total)).ToDictionary(x => x.theme, x => x.share, StringComparer.Ordinal));
            }),
        ];
    }

    private static LexiconUse Use(IReadOnlyList<TrialSummary> trials, string score, string name, string? symbol)
    {
        var values = trials.Select(t => Score(t, score) ?? 0).ToList();
        return values.Count == 0
            ? new LexiconUse(name, symbol, 0, 0, 0)
            : new LexiconUse(name, symbol, values.Average(), values.Count(v => v > 0) / (double)values.Count, (int)values.Max());
    }

    private static ConversationRate Rate(int k, int n, IntervalMethod method, double level)
    {
        var interval = BinomialInterval.Compute(k, n, method, level);
        return new ConversationRate(k, n, BinomialInterval.Rate(k, n), interval?.Lower, interval?.Upper);
    }

    private static double? Mean(IReadOnlyList<TrialSummary> trials, string score)
    {
        var values = trials.Select(t => Score(t, score)).OfType<double>().ToList();
        return values.Count == 0 ? null : values.Average();
    }

    private static double? Score(TrialSummary trial, string name) => trial.Scores.TryGetValue(name, out var value) ? value : null;
}
