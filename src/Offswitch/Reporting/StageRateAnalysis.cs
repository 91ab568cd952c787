using System.Globalization;
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
    /// <summary>Heading of the per-stage section.</summary>
    public const string Title = "Rates per step";

    /// <summary>Heading of the rate-score section.</summary>
    public const string ScoreTitle = "Rates of per-trial scores";

    /// <summary>Column headers of a row (see <see cref="Row"/>).</summary>
    public static IReadOnlyList<string> Headers { get; } = ["Condition", "Model", "Step", "n", "Reached", "Achieved", "Rate", "CI", "Refused", "Rate", "CI"];

    /// <summary>Column headers of a rate-score row (see <see cref="ScoreRow"/>).</summary>
    public static IReadOnlyList<string> ScoreHeaders { get; } = ["Condition", "Model", "Score", "n", "k", "Rate", "CI"];

    /// <summary>What the per-stage numbers are.</summary>
    public static string Note(string intervalLabel) =>
        $"Of the cell's counted trials: reached the step, achieved it (from the environment's state, whatever the model said), refused it (the refusal point: a trial is refused at one step at most). Rates over n with a {intervalLabel} interval. Rows of scripted controls say so.";

    /// <summary>What the rate-score numbers are.</summary>
    public static string ScoreNote(string intervalLabel) =>
        $"Share of the counted trials that have the score (e.g. \"fabricated\": trials with at least one finding reported as a success) where it is 1, with a {intervalLabel} interval.";

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

    /// <summary>A stage row's cells.</summary>
    public static IReadOnlyList<string> Row(StageRate r) =>
    [
        r.Condition,
        r.IsControl ? r.Model + " (control)" : r.Model,
        r.Stage,
        Count(r.N),
        Count(r.Reached),
        Count(r.Achieved),
        Rate(r.Achieved, r.N),
        Interval(r.AchievedLow, r.AchievedHigh),
        Count(r.Refused),
        Rate(r.Refused, r.N),
        Interval(r.RefusedLow, r.RefusedHigh),
    ];

    /// <summary>A rate-score row's cells.</summary>
    public static IReadOnlyList<string> ScoreRow(StageRate r) =>
    [
        r.Condition,
        r.IsControl ? r.Model + " (control)" : r.Model,
        r.Stage,
        Count(r.N),
        Count(r.Achieved),
        Rate(r.Achieved, r.N),
        Interval(r.AchievedLow, r.AchievedHigh),
    ];

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
        var byCell = trials.ToLookup(t => (t.Key.Scenario, t.Key.Condition, t.Key.Model));
        foreach (var cell in cells)
        {
            if (scenarioLookup(cell.Scenario) is not { } layout || names(layout) is not { Count: > 0 } stages)
            {
                continue;
            }

            var counted = byCell[(cell.Scenario, cell.Condition, cell.Model)]
                .Where(t => Analysis.CountsInN(t, layout.Outcomes))
                .ToList();
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

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Rate(int k, int n) => n == 0 ? "–" : MarkdownReport.Percent((double)k / n);

    private static string Interval(double? low, double? high) => low is null || high is null ? "–" : $"{MarkdownReport.Percent(low)}–{MarkdownReport.Percent(high)}";
}
