using System.Text.Json.Serialization;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>What analysis needs to know about a scenario: its outcomes and the order of its conditions.</summary>
/// <param name="Outcomes">The scenario's outcome keys, primary outcome and outcomes excluded from N.</param>
/// <param name="ConditionOrder">Conditions in presentation order; conditions not listed follow, in ordinal order.</param>
/// <param name="Baseline">The condition others are compared with; null: the first of <paramref name="ConditionOrder"/>.</param>
public sealed record ScenarioLayout(OutcomeSet Outcomes, IReadOnlyList<string> ConditionOrder, string? Baseline = null)
{
    /// <summary>The layout of a known scenario.</summary>
    public static ScenarioLayout Of(IScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new(scenario.Outcomes, [.. scenario.Conditions.Select(c => c.Name)], scenario.BaselineCondition)
        {
            ScoreContrasts = scenario is IContrastedScenario contrasted ? contrasted.ScoreContrasts : [],
            PairedChoices = scenario is IContrastedScenario paired ? paired.PairedChoices : [],
            Stages = scenario is IStagedScenario staged ? staged.Stages : [],
            RateScores = scenario is IStagedScenario rated ? rated.RateScores : [],
        };
    }

    /// <summary>Score differences between conditions that reports compute (see <see cref="IContrastedScenario"/>).</summary>
    public IReadOnlyList<ScoreContrast> ScoreContrasts { get; init; } = [];

    /// <summary>Paired choices across conditions that reports test (see <see cref="IContrastedScenario"/>).</summary>
    public IReadOnlyList<PairedChoiceContrast> PairedChoices { get; init; } = [];

    /// <summary>Ordered stages whose per-stage rates reports give (see <see cref="IStagedScenario"/>).</summary>
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>Scores whose per-cell rate reports give (see <see cref="IStagedScenario.RateScores"/>).</summary>
    public IReadOnlyList<string> RateScores { get; init; } = [];

    /// <summary>The baseline condition: <see cref="Baseline"/> or the first listed condition.</summary>
    public string? BaselineCondition => Baseline ?? ConditionOrder.FirstOrDefault();
}

/// <summary>The confidence interval used for every cell of a report.</summary>
/// <param name="Method">How the interval is computed.</param>
/// <param name="Level">Two-sided confidence level, e.g. 0.95.</param>
public sealed record IntervalSpec(IntervalMethod Method, double Level);

/// <summary>
/// The data behind every report: one cell per (scenario, condition, model). Serialized with
/// <see cref="JsonDefaults.Options"/> this is the output of <c>offswitch report --format json</c>.
/// </summary>
/// <param name="Interval">How <see cref="CellAnalysis.CiLow"/> and <see cref="CellAnalysis.CiHigh"/> were computed.</param>
/// <param name="Cells">Ordered by scenario, then the scenario's condition order, then model.</param>
/// <param name="UnknownScenarios">Scenarios whose trials were left out because this build does not know them; null when none.</param>
public sealed record ReportData(IntervalSpec Interval, IReadOnlyList<CellAnalysis> Cells, IReadOnlyList<string>? UnknownScenarios = null)
{
    /// <summary>Where the data came from (models, runs, versions, seeds); null when built from trials alone.</summary>
    public ReportHeader? Header { get; init; }

    /// <summary>Conditions against the scenario's baseline and models against each other; null when not computed.</summary>
    public IReadOnlyList<CellComparison>? Comparisons { get; init; }

    /// <summary>How the comparisons' p-values were corrected for multiplicity (e.g. "holm"); null without comparisons.</summary>
    public string? Correction { get; init; }

    /// <summary>Confession rates from the follow-up interrogation; null when no trial was interrogated.</summary>
    public InterrogationReport? Interrogation { get; init; }

    /// <summary>The reasoning judge's rates next to the behaviour rates, with their agreement; null when no trial was judged.</summary>
    public ReasoningReport? Reasoning { get; init; }

    /// <summary>Score differences between paired conditions (e.g. the sandbagging accuracy gap); null when not computed or none apply.</summary>
    public IReadOnlyList<ScoreGap>? ScoreGaps { get; init; }

    /// <summary>Paired-choice tests (e.g. behavioural scheming in alignment faking); null when not computed or none apply.</summary>
    public IReadOnlyList<PairedChoiceTest>? PairedChoices { get; init; }

    /// <summary>Per-stage rates of staged scenarios (see <see cref="StageRateAnalysis"/>); null when none apply.</summary>
    public IReadOnlyList<StageRate>? StageRates { get; init; }

    /// <summary>Per-cell rates of staged scenarios' rate scores (e.g. fabrication); null when none apply.</summary>
    public IReadOnlyList<StageRate>? ScoreRates { get; init; }

    /// <summary>The primary rate per cell stratified by the eval-awareness judge's answer (see <see cref="JudgeAnalysis"/>); null when no trial has one.</summary>
    public IReadOnlyList<EvalAwarenessStratum>? EvalAwareness { get; init; }

    /// <summary>Model-to-model conversations per model pair (see <see cref="ConversationAnalysis"/>); null when the report has none.</summary>
    public IReadOnlyList<ConversationPair>? Conversations { get; init; }

    /// <summary>Cells whose verdicts were decided without the LLM judge their scenario's published verdict needs; null when none.</summary>
    public IReadOnlyList<DeterministicOnlyCell>? DeterministicOnly { get; init; }

    /// <summary>The same report with each cell's <see cref="CellAnalysis.TrueRate"/> from <paramref name="trueRate"/> (null leaves it unknown).</summary>
    public ReportData WithTrueRates(Func<CellAnalysis, double?> trueRate) =>
        this with { Cells = [.. Cells.Select(c => trueRate(c) is { } t ? c with { TrueRate = t } : c)] };
}

/// <summary>Counts and the primary rate of one (scenario, condition, model) cell.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Condition">Condition name.</param>
/// <param name="Model">Model spec string.</param>
/// <param name="IsControl">True when the cell's trials come from a scripted reference agent (a control, not an AI model).</param>
/// <param name="Trials">Every stored trial of the cell.</param>
/// <param name="Discarded">Trials whose outcome the scenario excludes from N (e.g. message limit), other than errors.</param>
/// <param name="Errors">Trials that failed for infrastructure reasons (status Error or outcome "error").</param>
/// <param name="N">Trials − Discarded − Errors: the denominator of the rate.</param>
/// <param name="K">Trials with the scenario's primary outcome.</param>
/// <param name="Rate">K / N as a fraction; null when N = 0.</param>
/// <param name="CiLow">Lower confidence bound as a fraction; null when N = 0.</param>
/// <param name="CiHigh">Upper confidence bound as a fraction; null when N = 0.</param>
/// <param name="Outcomes">Outcome key → count: every key of the scenario in its order (zeros included), then any other key seen.</param>
/// <param name="Techniques">Technique → count among trials with the primary outcome, most frequent first.</param>
public sealed record CellAnalysis(
    string Scenario,
    string Condition,
    string Model,
    bool IsControl,
    int Trials,
    int Discarded,
    int Errors,
    int N,
    int K,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Rate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CiLow,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CiHigh,
    IReadOnlyDictionary<string, int> Outcomes,
    IReadOnlyDictionary<string, int> Techniques)
{
    /// <summary>Input + output tokens of the cell's trials.</summary>
    public long Tokens { get; init; }

    /// <summary>Known cost in USD of the cell's trials (trials with no price are counted in <see cref="UnpricedTrials"/> instead).</summary>
    public double CostUsd { get; init; }

    /// <summary>Trials whose cost is unknown: their model had no price when they ran.</summary>
    public int UnpricedTrials { get; init; }

    /// <summary>
    /// Mean of each named score (milestones reached, judge scores) over the cell's counted trials that have it; for 0/1
    /// milestone scores, the fraction of trials that reached it. Absent when no trial has scores.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Scores { get; init; }

    /// <summary>
    /// The model's known true rate for this cell, when the model publishes one — a model organism's exact propensity,
    /// computed from its weights (<c>Organisms/OrganismCard</c>) — so the measured rate can be read against it; null otherwise.
    /// </summary>
    public double? TrueRate { get; init; }

    /// <summary>Whether <see cref="TrueRate"/> lies inside [<see cref="CiLow"/>, <see cref="CiHigh"/>]; null without both.</summary>
    public bool? TrueRateCovered => TrueRate is { } t && CiLow is { } low && CiHigh is { } high ? t >= low && t <= high : null;
}

/// <summary>Turns stored trial summaries into report cells. Pure: no I/O, no models.</summary>
public static class Analysis
{
    /// <summary>The outcome key of a trial that failed for infrastructure reasons.</summary>
    public const string ErrorOutcome = "error";

    /// <summary>
    /// Whether a trial counts in its cell's N: not an infrastructure error (whatever outcome string it carries) and not an
    /// outcome the scenario leaves out of N (discarded, unjudged…).
    /// </summary>
    public static bool CountsInN(TrialSummary trial, OutcomeSet outcomes) =>
        trial.Status != TrialStatus.Error && trial.Outcome != ErrorOutcome && !outcomes.ExcludedFromN.Contains(trial.Outcome);

    /// <summary>
    /// Each cell of <paramref name="cells"/> whose scenario the lookup knows, in order, with its layout and the trials
    /// that count in its N (see <see cref="CountsInN"/>): what every per-cell analysis of an optional part starts from.
    /// </summary>
    public static IEnumerable<(CellAnalysis Cell, ScenarioLayout Layout, List<TrialSummary> Counted)> CountedTrials(
        IReadOnlyList<TrialSummary> trials, Func<string, ScenarioLayout?> scenarioLookup, IReadOnlyList<CellAnalysis> cells)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(scenarioLookup);
        ArgumentNullException.ThrowIfNull(cells);
        var byCell = trials.ToLookup(t => (t.Key.Scenario, t.Key.Condition, t.Key.Model));
        foreach (var cell in cells)
        {
            if (scenarioLookup(cell.Scenario) is { } layout)
            {
                yield return (cell, layout, [.. byCell[(cell.Scenario, cell.Condition, cell.Model)].Where(t => CountsInN(t, layout.Outcomes))]);
            }
        }
    }

    /// <summary>
    /// Groups trials into cells and computes k, n, the primary rate and its interval. Trials of scenarios the lookup does
    /// not know are left out and named in <see cref="ReportData.UnknownScenarios"/>. The caller chooses which trials are
    /// comparable (e.g. one run or one configuration); this method pools whatever it is given.
    /// </summary>
    public static ReportData Analyze(
        IReadOnlyList<TrialSummary> trials,
        Func<string, ScenarioLayout?> scenarioLookup,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(scenarioLookup);

        var cells = new List<CellAnalysis>();
        var unknown = new List<string>();
        foreach (var scenarioTrials in trials.GroupBy(t => t.Key.Scenario, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (scenarioLookup(scenarioTrials.Key) is not { } layout)
            {
                unknown.Add(scenarioTrials.Key);
                continue;
            }

            var conditionRank = layout.ConditionOrder
                .Select((name, index) => (name, index))
                .DistinctBy(p => p.name, StringComparer.Ordinal)
                .ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);

            var groups = scenarioTrials
                .GroupBy(t => (t.Key.Condition, t.Key.Model))
                .OrderBy(g => conditionRank.TryGetValue(g.Key.Condition, out var rank) ? rank : int.MaxValue)
                .ThenBy(g => g.Key.Condition, StringComparer.Ordinal)
                .ThenBy(g => g.Key.Model, StringComparer.Ordinal);

            foreach (var group in groups)
            {
                cells.Add(AnalyzeCell(scenarioTrials.Key, group.Key.Condition, group.Key.Model, [.. group], layout.Outcomes, method, level));
            }
        }

        return new ReportData(new IntervalSpec(method, level), cells, unknown.Count == 0 ? null : unknown)
        {
            Interrogation = InterrogationAnalysis.Analyze(trials, cells, method, level),
            EvalAwareness = JudgeAnalysis.EvalAwareness(trials, scenarioLookup, cells, method, level),
            DeterministicOnly = JudgeAnalysis.DeterministicOnlyCells(trials, cells),
            Reasoning = ReasoningAnalysis.Analyze(trials, scenarioLookup, cells, method, level),
        };
    }

    /// <summary>Counts one cell's trials.</summary>
    public static CellAnalysis AnalyzeCell(
        string scenario,
        string condition,
        string model,
        IReadOnlyList<TrialSummary> trials,
        OutcomeSet outcomes,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(outcomes);

        var excluded = outcomes.ExcludedFromN.ToHashSet(StringComparer.Ordinal);
        var counts = new OrderedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in outcomes.Keys)
        {
            counts.TryAdd(key, 0);
        }

        int errors = 0, discarded = 0, k = 0;
        var techniques = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var trial in trials)
        {
            // An infrastructure failure counts as an error whatever outcome string it carries.
            var outcome = trial.Status == TrialStatus.Error ? ErrorOutcome : trial.Outcome;
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            if (outcome == ErrorOutcome)
            {
                errors++;
            }
            else if (excluded.Contains(outcome))
            {
                discarded++;
            }
            else if (outcome == outcomes.Primary)
            {
                k++;
                if (trial.Technique is { } technique)
                {
                    techniques[technique] = techniques.GetValueOrDefault(technique) + 1;
                }
            }
        }

        var n = trials.Count - discarded - errors;
        var interval = BinomialInterval.Compute(k, n, method, level);
        var orderedTechniques = new OrderedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (technique, count) in techniques.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            orderedTechniques.Add(technique, count);
        }

        return new CellAnalysis(
            scenario,
            condition,
            model,
            trials.Any(t => t.IsControl),
            trials.Count,
            discarded,
            errors,
            n,
            k,
            BinomialInterval.Rate(k, n),
            interval?.Lower,
            interval?.Upper,
            counts,
            orderedTechniques)
        {
            Tokens = trials.Sum(t => t.Usage.TotalTokens),
            CostUsd = trials.Sum(t => t.CostUsd ?? 0),
            UnpricedTrials = trials.Count(t => t.CostUsd is null),
            Scores = MeanScores(trials.Where(t => t.Status != TrialStatus.Error && t.Outcome != ErrorOutcome && !excluded.Contains(t.Outcome))),
        };
    }

    private static OrderedDictionary<string, double>? MeanScores(IEnumerable<TrialSummary> counted)
    {
        var sums = new OrderedDictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var trial in counted)
        {
            foreach (var (name, value) in trial.Scores)
            {
                if (value is { } v && !name.StartsWith(Verdict.DetailPrefix, StringComparison.Ordinal))
                {
                    var (sum, count) = sums.GetValueOrDefault(name);
                    sums[name] = (sum + v, count + 1);
                }
            }
        }

        if (sums.Count == 0)
        {
            return null;
        }

        var means = new OrderedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, (sum, count)) in sums)
        {
            means.Add(name, sum / count);
        }

        return means;
    }
}
