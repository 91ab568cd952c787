using System.Security.Cryptography;
using System.Text.Json;
using Offswitch.Models;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>Provenance printed at the top of a report.</summary>
/// <param name="FirstTrialAt">When the earliest trial in the report started; null without trials.</param>
/// <param name="LastTrialAt">When the latest trial in the report ended; null without trials.</param>
/// <param name="IntervalMethod">The cells' interval, e.g. "jeffreys 95%".</param>
/// <param name="Scenarios">The scenarios in the report with their primary outcome and baseline condition.</param>
/// <param name="Models">Every model in the report, with the id sent to its provider.</param>
/// <param name="Runs">The runs whose trials are in the report.</param>
public sealed record ReportHeader(
    DateTimeOffset? FirstTrialAt,
    DateTimeOffset? LastTrialAt,
    string IntervalMethod,
    IReadOnlyList<ScenarioHeader> Scenarios,
    IReadOnlyList<ModelHeader> Models,
    IReadOnlyList<RunHeader> Runs);

/// <summary>A scenario as the report counts it.</summary>
/// <param name="Name">Scenario name.</param>
/// <param name="PrimaryOutcome">The outcome the rate counts (k).</param>
/// <param name="BaselineCondition">The condition the other conditions are compared with.</param>
public sealed record ScenarioHeader(string Name, string PrimaryOutcome, string? BaselineCondition);

/// <summary>A model in the report.</summary>
/// <param name="Spec">The spec as given to <c>offswitch run</c>.</param>
/// <param name="Provider">Provider key, e.g. "openai"; null when the spec does not parse.</param>
/// <param name="ModelId">The model id sent to the provider (or the control's name, file path for gguf/replay).</param>
/// <param name="IsControl">True for scripted reference agents.</param>
public sealed record ModelHeader(string Spec, string? Provider, string ModelId, bool IsControl);

/// <summary>A run whose trials are in the report.</summary>
/// <param name="Id">Run id.</param>
/// <param name="StartedAt">Start time.</param>
/// <param name="EndedAt">End time; null while running or after a crash.</param>
/// <param name="Status">completed, interrupted or running.</param>
/// <param name="HarnessVersion">Offswitch version that ran it.</param>
/// <param name="PlanHash">First 16 hex digits of the SHA-256 of the frozen plan's JSON.</param>
/// <param name="ConfigurationId">The plan's configuration id (trials with the same id are comparable).</param>
/// <param name="Seed">The plan seed (each trial's seed derives from it).</param>
/// <param name="Trials">Trials per cell planned (the cap when a stopping rule is set).</param>
/// <param name="Stopping">The run-until-precise rule, if any.</param>
public sealed record RunHeader(
    string Id,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string Status,
    string HarnessVersion,
    string PlanHash,
    string ConfigurationId,
    int Seed,
    int Trials,
    StoppingRule? Stopping);

/// <summary>One comparison between two cells: rate 1 − rate 2 with a Newcombe interval and Fisher's exact test.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Kind">"condition-vs-baseline" (same model) or "model-vs-model" (same condition).</param>
/// <param name="Condition1">Condition of the first cell.</param>
/// <param name="Model1">Model of the first cell.</param>
/// <param name="Condition2">Condition of the second cell (the baseline for condition-vs-baseline).</param>
/// <param name="Model2">Model of the second cell.</param>
/// <param name="K1">k of the first cell.</param>
/// <param name="N1">n of the first cell.</param>
/// <param name="K2">k of the second cell.</param>
/// <param name="N2">n of the second cell.</param>
/// <param name="Difference">Rate 1 − rate 2 as a fraction.</param>
/// <param name="CiLow">Lower bound of the Newcombe interval for the difference.</param>
/// <param name="CiHigh">Upper bound of the Newcombe interval for the difference.</param>
/// <param name="PValue">Two-sided Fisher exact p-value, uncorrected.</param>
/// <param name="PAdjusted">The p-value corrected across all comparisons of the report (see <see cref="ReportData.Correction"/>).</param>
/// <param name="IsControl">True when either cell comes from a scripted control.</param>
public sealed record CellComparison(
    string Scenario,
    string Kind,
    string Condition1,
    string Model1,
    string Condition2,
    string Model2,
    int K1,
    int N1,
    int K2,
    int N2,
    double Difference,
    double CiLow,
    double CiHigh,
    double PValue,
    double PAdjusted,
    bool IsControl);

/// <summary>Builds complete reports: cells, comparisons and provenance. Pure: no I/O, no models.</summary>
public static class ReportBuilder
{
    /// <summary>Comparison kind: a condition against the scenario's baseline, same model.</summary>
    public const string ConditionVsBaseline = "condition-vs-baseline";

    /// <summary>Comparison kind: two models under one condition.</summary>
    public const string ModelVsModel = "model-vs-model";

    /// <summary>Analyses the trials (see <see cref="Analysis.Analyze"/>), adds comparisons (Holm-corrected) and the header.</summary>
    public static ReportData Build(
        IReadOnlyList<TrialSummary> trials,
        IReadOnlyList<RunRecord> runs,
        Func<string, ScenarioLayout?> scenarioLookup,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(scenarioLookup);

        var data = Summarize(trials, runs, scenarioLookup, method, level);
        var comparisons = Compare(data.Cells, scenarioLookup, level);
        var gaps = ScoreGapAnalysis.Analyze(trials, scenarioLookup, level);
        var paired = PairedChoiceAnalysis.Analyze(trials, scenarioLookup, method, level);
        var conversations = ConversationAnalysis.Analyze(trials, runs, method, level);
        var stages = StageRateAnalysis.Stages(trials, data.Cells, scenarioLookup, method, level);
        var rates = StageRateAnalysis.Scores(trials, data.Cells, scenarioLookup, method, level);
        return data with
        {
            Comparisons = comparisons,
            Correction = "holm",
            ScoreGaps = gaps.Count == 0 ? null : gaps,
            PairedChoices = paired.Count == 0 ? null : paired,
            Conversations = conversations.Count == 0 ? null : conversations,
            StageRates = stages.Count == 0 ? null : stages,
            ScoreRates = rates.Count == 0 ? null : rates,
        };
    }

    /// <summary>
    /// The cells (see <see cref="Analysis.Analyze"/>) and the header, without the comparisons and contrasts: what a run
    /// prints when it ends (<see cref="ReportSections.Summary"/>).
    /// </summary>
    public static ReportData Summarize(
        IReadOnlyList<TrialSummary> trials,
        IReadOnlyList<RunRecord> runs,
        Func<string, ScenarioLayout?> scenarioLookup,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(scenarioLookup);
        var data = Analysis.Analyze(trials, scenarioLookup, method, level);
        return data with { Header = Header(data, trials, runs, scenarioLookup) };
    }

    /// <summary>
    /// Each model's conditions against the scenario's baseline condition, then every pair of models within each
    /// condition (in cell order); cells with n = 0 are skipped. p-values are Holm-corrected across the whole list.
    /// </summary>
    public static IReadOnlyList<CellComparison> Compare(IReadOnlyList<CellAnalysis> cells, Func<string, ScenarioLayout?> scenarioLookup, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var pairs = new List<(string Kind, CellAnalysis A, CellAnalysis B)>();
        foreach (var scenario in cells.Where(c => c.N > 0).GroupBy(c => c.Scenario, StringComparer.Ordinal))
        {
            var baseline = scenarioLookup(scenario.Key)?.BaselineCondition;
            foreach (var model in scenario.GroupBy(c => c.Model, StringComparer.Ordinal))
            {
                if (model.FirstOrDefault(c => c.Condition == baseline) is { } reference)
                {
                    pairs.AddRange(model.Where(c => c.Condition != baseline).Select(c => (ConditionVsBaseline, c, reference)));
                }
            }

            foreach (var condition in scenario.GroupBy(c => c.Condition, StringComparer.Ordinal))
            {
                var list = condition.ToList();
                for (var i = 0; i < list.Count; i++)
                {
                    for (var j = i + 1; j < list.Count; j++)
                    {
                        pairs.Add((ModelVsModel, list[i], list[j]));
                    }
                }
            }
        }

        var results = pairs.Select(p => (p.Kind, p.A, p.B, Result: TwoProportions.Compare(p.A.K, p.A.N, p.B.K, p.B.N, level))).ToList();
        var adjusted = MultipleComparisons.Holm([.. results.Select(r => r.Result.PValue)]);
        return [.. results.Select((r, i) => new CellComparison(
            r.A.Scenario, r.Kind, r.A.Condition, r.A.Model, r.B.Condition, r.B.Model, r.A.K, r.A.N, r.B.K, r.B.N,
            r.Result.Difference, r.Result.Lower, r.Result.Upper, r.Result.PValue, adjusted[i], r.A.IsControl || r.B.IsControl))];
    }

    /// <summary>First 16 hex digits of the SHA-256 of the plan as stored (snake_case JSON).</summary>
    public static string PlanHash(Experiments.ExperimentPlan plan) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(plan, JsonDefaults.Options)))[..16];

    private static ReportHeader Header(ReportData data, IReadOnlyList<TrialSummary> trials, IReadOnlyList<RunRecord> runs, Func<string, ScenarioLayout?> scenarioLookup)
    {
        var runIds = trials.Select(t => t.RunId).ToHashSet(StringComparer.Ordinal);
        var scenarios = data.Cells.Select(c => c.Scenario).Distinct(StringComparer.Ordinal)
            .Select(name => scenarioLookup(name) is { } layout ? new ScenarioHeader(name, layout.Outcomes.Primary, layout.BaselineCondition) : null)
            .OfType<ScenarioHeader>()
            .ToList();
        var models = data.Cells.GroupBy(c => c.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Model(g.Key, g.Any(c => c.IsControl)))
            .ToList();
        var runHeaders = runs.Where(r => runIds.Contains(r.Id)).OrderBy(r => r.StartedAt)
            .Select(r => new RunHeader(r.Id, r.StartedAt, r.EndedAt, r.Status, r.HarnessVersion, PlanHash(r.Plan), r.ConfigurationId, r.Plan.Seed, r.Plan.Trials, r.Plan.Stopping))
            .ToList();
        var interval = $"{MethodName(data.Interval.Method)} {data.Interval.Level * 100:0.##}%";
        return new ReportHeader(
            trials.Count == 0 ? null : trials.Min(t => t.StartedAt),
            trials.Count == 0 ? null : trials.Max(t => t.EndedAt),
            interval,
            scenarios,
            models,
            runHeaders);
    }

    /// <summary>The interval method as the CLI spells it.</summary>
    public static string MethodName(IntervalMethod method) => method switch
    {
        IntervalMethod.Jeffreys => "jeffreys",
        IntervalMethod.JeffreysEqualTailed => "jeffreys-equal-tailed",
        IntervalMethod.Wilson => "wilson",
        IntervalMethod.ClopperPearson => "cp",
        _ => method.ToString().ToLowerInvariant(),
    };

    private static ModelHeader Model(string spec, bool isControl)
    {
        try
        {
            var parsed = ModelSpec.Parse(spec);
            return new ModelHeader(spec, parsed.Provider, parsed.Model, isControl);
        }
        catch (ModelConfigurationException)
        {
            return new ModelHeader(spec, null, spec, isControl);
        }
    }
}
