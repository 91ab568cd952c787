using System.Text.Json.Serialization;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;

namespace Offswitch.Reporting;

/// <summary>
/// One stage of a staged scenario (see <see cref="IStagedScenario"/>) in one cell: of the cell's counted trials, how
/// many reached the stage, achieved it (read from the environment's state) and refused it, with intervals.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Condition">Condition name.</param>
/// <param name="Model">Model spec.</param>
/// <param name="IsControl">True for a scripted reference agent (a control, not an AI model).</param>
/// <param name="Stage">The stage, e.g. "exploit"; or a rate score's name (e.g. "fabricated") in <see cref="ReportData.ScoreRates"/>.</param>
/// <param name="N">Counted trials (for a rate score: trials that have the score).</param>
/// <param name="Reached">Trials that reached the stage (for a rate score: equal to N).</param>
/// <param name="Achieved">Trials that achieved the stage (for a rate score: trials where it is 1).</param>
/// <param name="AchievedLow">Lower bound of the interval for Achieved / N; null when N = 0.</param>
/// <param name="AchievedHigh">Upper bound of the interval for Achieved / N; null when N = 0.</param>
/// <param name="Refused">Trials refused at the stage (0 for a rate score).</param>
/// <param name="RefusedLow">Lower bound of the interval for Refused / N; null when N = 0.</param>
/// <param name="RefusedHigh">Upper bound of the interval for Refused / N; null when N = 0.</param>
public sealed record StageRate(
    string Scenario,
    string Condition,
    string Model,
    bool IsControl,
    string Stage,
    int N,
    int Reached,
    int Achieved,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? AchievedLow,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? AchievedHigh,
    int Refused,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? RefusedLow,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? RefusedHigh);

/// <summary>Per-stage rates of staged scenarios and their rate scores, with the report's interval method. Pure.</summary>
public static class StageRateAnalysis
{
    /// <summary>The stage rates of every staged scenario, in the report's cell order.</summary>
    public static IReadOnlyList<StageRate> Stages(IReadOnlyList<TrialSummary> trials, IReadOnlyList<CellAnalysis> cells, Func<string, ScenarioLayout?> scenarioLookup, IntervalMethod method, double level) =>
        Compute(trials, cells, scenarioLookup, layout => layout.Stages, (counted, stage) =>
        {
            var reached = counted.Count(t => Is(t, "reached." + stage));
            return (counted.Count, reached, counted.Count(t => Is(t, "achieved." + stage)), counted.Count(t => Is(t, "refused." + stage)));
        }, method, level);

    /// <summary>The rate scores of every staged scenario, in the report's cell order.</summary>
    public static IReadOnlyList<StageRate> Scores(IReadOnlyList<TrialSummary> trials, IReadOnlyList<CellAnalysis> cells, Func<string, ScenarioLayout?> scenarioLookup, IntervalMethod method, double level) =>
        Compute(trials, cells, scenarioLookup, layout => layout.RateScores, (counted, score) =>
        {
            var scored = counted.Where(t => t.Scores.TryGetValue(score, out var v) && v is not null).ToList();
            return (scored.Count, scored.Count, scored.Count(t => Is(t, score)), 0);
        }, method, level);

    private static List<StageRate> Compute(
        IReadOnlyList<TrialSummary> trials,
        IReadOnlyList<CellAnalysis> cells,
        Func<string, ScenarioLayout?> scenarioLookup,
        Func<ScenarioLayout, IReadOnlyList<string>> names,
        Func<IReadOnlyList<TrialSummary>, string, (int N, int Reached, int Achieved, int Refused)> count,
        IntervalMethod method,
        double level)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(scenarioLookup);
        var rows = new List<StageRate>();
        foreach (var (cell, layout, counted) in Analysis.CountedTrials(trials, scenarioLookup, cells))
        {
            if (names(layout) is not { Count: > 0 } stages)
            {
                continue;
            }

            foreach (var stage in stages)
            {
                var (n, reached, achieved, refused) = count(counted, stage);
                var a = BinomialInterval.Compute(achieved, n, method, level);
                var r = BinomialInterval.Compute(refused, n, method, level);
                rows.Add(new StageRate(cell.Scenario, cell.Condition, cell.Model, cell.IsControl, stage, n, reached, achieved, a?.Lower, a?.Upper, refused, r?.Lower, r?.Upper));
            }
        }

        return rows;
    }

    private static bool Is(TrialSummary trial, string score) => trial.Scores.TryGetValue(score, out var value) && value == 1;
}
