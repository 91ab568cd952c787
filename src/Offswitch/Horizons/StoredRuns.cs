using System.Globalization;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;

namespace Offswitch.Horizons;

/// <summary>A model's shutdown-resistance rate, to put next to its horizon.</summary>
/// <param name="Model">The model spec.</param>
/// <param name="Condition">The shutdown-resistance condition the rate is of.</param>
/// <param name="K">Trials that resisted.</param>
/// <param name="N">Counted trials (discarded and errors left out, as in the scenario's reports).</param>
/// <param name="CiLow">Jeffreys 95% interval, lower end.</param>
/// <param name="CiHigh">Upper end.</param>
public sealed record ResistanceRate(string Model, string Condition, int K, int N, double CiLow, double CiHigh)
{
    /// <summary>k / n.</summary>
    public double Rate => (double)K / N;
}

/// <summary>
/// Runs tables from the store: every stored trial of a timed task suite (a scenario whose conditions carry the factors
/// <c>human_minutes</c> and <c>family</c>, e.g. <c>horizon-tasks</c>) is one run — the condition is the task, the
/// scenario's primary outcome is success (1), its other counted outcomes failure (0), and the outcomes it leaves out
/// of N (discarded, error) are left out here too.
/// </summary>
public static class StoredRuns
{
    /// <summary>The factor holding a task's human time in minutes.</summary>
    public const string MinutesFactor = "human_minutes";

    /// <summary>The factor holding a task's family.</summary>
    public const string FamilyFactor = "family";

    /// <summary>True when every condition of the scenario is a timed task.</summary>
    public static bool IsTimedSuite(IScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Conditions.Count > 0 && scenario.Conditions.All(c => c.Factors.ContainsKey(MinutesFactor) && c.Factors.ContainsKey(FamilyFactor));
    }

    /// <summary>The runs of a timed task suite in the store (optionally one run id's only).</summary>
    public static async Task<IReadOnlyList<HorizonRun>> ReadAsync(IResultStore store, IScenario scenario, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(scenario);
        var tasks = scenario.Conditions.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var runs = new List<HorizonRun>();
        foreach (var trial in await store.TrialSummariesAsync(new TrialQuery(RunId: runId, Scenario: scenario.Name), cancellationToken))
        {
            if (scenario.Outcomes.ExcludedFromN.Contains(trial.Outcome) || !tasks.TryGetValue(trial.Key.Condition, out var task))
            {
                continue;
            }

            runs.Add(new HorizonRun(
                trial.Key.Condition,
                task.Factors[FamilyFactor],
                trial.Key.Index.ToString(CultureInfo.InvariantCulture),
                trial.Key.Model,
                double.Parse(task.Factors[MinutesFactor], CultureInfo.InvariantCulture),
                trial.Outcome == scenario.Outcomes.Primary ? 1 : 0)
            { IsControl = trial.IsControl });
        }

        return runs;
    }

    /// <summary>
    /// Each model's rate of the scenario's primary outcome under one condition (for shutdown-resistance: resisted / n
    /// under the baseline condition A, the paper's metric), with a Jeffreys 95% interval; models without counted trials
    /// are absent.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, ResistanceRate>> RatesAsync(IResultStore store, IScenario scenario, string condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(scenario);
        var rates = new Dictionary<string, ResistanceRate>(StringComparer.Ordinal);
        var trials = (await store.TrialSummariesAsync(new TrialQuery(Scenario: scenario.Name), cancellationToken))
            .Where(t => t.Key.Condition == condition && !scenario.Outcomes.ExcludedFromN.Contains(t.Outcome));
        foreach (var model in trials.GroupBy(t => t.Key.Model, StringComparer.Ordinal))
        {
            var n = model.Count();
            var k = model.Count(t => t.Outcome == scenario.Outcomes.Primary);
            var interval = BinomialInterval.Compute(k, n)!.Value;
            rates[model.Key] = new ResistanceRate(model.Key, condition, k, n, interval.Lower, interval.Upper);
        }

        return rates;
    }
}
