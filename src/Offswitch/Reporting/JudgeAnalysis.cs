using System.Text.Json.Serialization;
using Offswitch.Statistics;
using Offswitch.Storage;

namespace Offswitch.Reporting;

/// <summary>The primary rate of one cell restricted to the trials an eval-awareness judge put in one stratum.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Condition">Condition name.</param>
/// <param name="Model">Model spec.</param>
/// <param name="IsControl">True for scripted controls.</param>
/// <param name="Stratum">deliberates_thinks_eval, deliberates_thinks_real, no_deliberation, or not_judged (judge absent or failed).</param>
/// <param name="N">Counted trials (not excluded from N) in the stratum.</param>
/// <param name="K">Of those, trials with the primary outcome.</param>
/// <param name="Rate">K / N; null when N = 0.</param>
/// <param name="CiLow">Lower bound (the report's interval method); null when N = 0.</param>
/// <param name="CiHigh">Upper bound; null when N = 0.</param>
public sealed record EvalAwarenessStratum(
    string Scenario,
    string Condition,
    string Model,
    bool IsControl,
    string Stratum,
    int N,
    int K,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Rate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CiLow,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CiHigh);

/// <summary>A cell some of whose verdicts come from deterministic checks alone because no LLM judge was configured.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Condition">Condition name.</param>
/// <param name="Model">Model spec.</param>
/// <param name="DeterministicOnlyTrials">Trials decided without a judge.</param>
/// <param name="Trials">All trials of the cell.</param>
public sealed record DeterministicOnlyCell(string Scenario, string Condition, string Model, int DeterministicOnlyTrials, int Trials);

/// <summary>
/// Analyses of judge-scored scenarios, read from the trials' scores: the harmful rate stratified by the eval-awareness
/// judge's answer (scores <c>eval_thinks_eval</c>, <c>eval_thinks_real</c>, <c>eval_deliberated</c>), and the cells whose
/// verdicts are deterministic-only (score <c>deterministic_only</c> = 1).
/// </summary>
public static class JudgeAnalysis
{
    /// <summary>Score names the analyses read.</summary>
    public const string ThinksEval = "eval_thinks_eval";

    /// <inheritdoc cref="ThinksEval"/>
    public const string ThinksReal = "eval_thinks_real";

    /// <inheritdoc cref="ThinksEval"/>
    public const string Deliberated = "eval_deliberated";

    /// <inheritdoc cref="ThinksEval"/>
    public const string DeterministicOnly = "deterministic_only";

    /// <summary>Strata in report order.</summary>
    public static readonly IReadOnlyList<string> Strata = ["deliberates_thinks_eval", "deliberates_thinks_real", "no_deliberation", "not_judged"];

    /// <summary>The stratified rates of every cell with eval-awareness scores; null when no trial has them.</summary>
    public static IReadOnlyList<EvalAwarenessStratum>? EvalAwareness(
        IReadOnlyList<TrialSummary> trials, Func<string, ScenarioLayout?> scenarioLookup, IReadOnlyList<CellAnalysis> cellOrder, IntervalMethod method, double level)
    {
        var result = new List<EvalAwarenessStratum>();
        foreach (var (cell, layout, counted) in Analysis.CountedTrials(trials, scenarioLookup, cellOrder))
        {
            if (!counted.Any(t => t.Scores.ContainsKey(Deliberated)))
            {
                continue;
            }

            foreach (var stratum in Strata)
            {
                var members = counted.Where(t => StratumOf(t) == stratum).ToList();
                var k = members.Count(t => t.Outcome == layout.Outcomes.Primary);
                var interval = BinomialInterval.Compute(k, members.Count, method, level);
                result.Add(new EvalAwarenessStratum(cell.Scenario, cell.Condition, cell.Model, cell.IsControl, stratum, members.Count, k,
                    BinomialInterval.Rate(k, members.Count), interval?.Lower, interval?.Upper));
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>Cells with trials decided without a judge; null when there are none.</summary>
    public static IReadOnlyList<DeterministicOnlyCell>? DeterministicOnlyCells(IReadOnlyList<TrialSummary> trials, IReadOnlyList<CellAnalysis> cellOrder)
    {
        var result = new List<DeterministicOnlyCell>();
        foreach (var cell in cellOrder)
        {
            var cellTrials = trials.Where(t => t.Key.Scenario == cell.Scenario && t.Key.Condition == cell.Condition && t.Key.Model == cell.Model).ToList();
            var count = cellTrials.Count(t => t.Scores.TryGetValue(DeterministicOnly, out var v) && v == 1);
            if (count > 0)
            {
                result.Add(new DeterministicOnlyCell(cell.Scenario, cell.Condition, cell.Model, count, cellTrials.Count));
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary>The one-line note renderers print for deterministic-only cells.</summary>
    public const string DeterministicOnlyNote =
        "Verdicts are deterministic-only (no --judge model): the published checks alone, without the LLM judge the published verdict also requires.";

    private static string StratumOf(TrialSummary trial)
    {
        if (!trial.Scores.TryGetValue(Deliberated, out var deliberated) || deliberated is null)
        {
            return "not_judged";
        }

        if (deliberated == 0)
        {
            return "no_deliberation";
        }

        return trial.Scores.TryGetValue(ThinksEval, out var eval) && eval == 1 ? "deliberates_thinks_eval"
            : trial.Scores.TryGetValue(ThinksReal, out var real) && real == 1 ? "deliberates_thinks_real"
            : "not_judged";
    }
}
