using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>
/// One model's paired-choice test (e.g. Apollo's behavioural scheming): pairs of trials with the same trial index under
/// two conditions; k pairs chose the first condition's outcome there and the second condition's outcome there; a
/// one-sided exact binomial test of k against the chance rate.
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Name">The contrast's label.</param>
/// <param name="Model">Model spec.</param>
/// <param name="IsControl">True when the pairs come from a scripted control.</param>
/// <param name="Condition1">The first condition (e.g. testing).</param>
/// <param name="Condition2">The second condition (e.g. deployment).</param>
/// <param name="Outcome1">The outcome counted in the first condition (e.g. instrumental).</param>
/// <param name="Outcome2">The outcome counted in the second condition (e.g. terminal).</param>
/// <param name="N">Complete pairs: both trials ended with a choice.</param>
/// <param name="K">Pairs with outcome 1 in condition 1 and outcome 2 in condition 2.</param>
/// <param name="Reverse">Pairs the other way round (outcome 2 in condition 1, outcome 1 in condition 2), for context.</param>
/// <param name="Incomplete">Trial indices with a trial in only one condition, or a trial without a choice.</param>
/// <param name="Rate">K / N; null when N = 0.</param>
/// <param name="CiLow">Lower bound of the rate's interval (the report's method and level); null when N = 0.</param>
/// <param name="CiHigh">Upper bound of the rate's interval; null when N = 0.</param>
/// <param name="ChanceRate">The null hypothesis' largest rate.</param>
/// <param name="Alpha">The test's level.</param>
/// <param name="PValue">P(X ≥ K), X ~ Binomial(N, chance rate); null when N = 0.</param>
/// <param name="CriticalK">The smallest K significant at <paramref name="Alpha"/> for this N; null when none is (or N = 0).</param>
/// <param name="Significant">PValue ≤ Alpha.</param>
public sealed record PairedChoiceTest(
    string Scenario,
    string Name,
    string Model,
    bool IsControl,
    string Condition1,
    string Condition2,
    string Outcome1,
    string Outcome2,
    int N,
    int K,
    int Reverse,
    int Incomplete,
    double? Rate,
    double? CiLow,
    double? CiHigh,
    double ChanceRate,
    double Alpha,
    double? PValue,
    int? CriticalK,
    bool Significant);

/// <summary>Computes the paired-choice tests that scenarios declare (<see cref="IContrastedScenario.PairedChoices"/>). Pure.</summary>
public static class PairedChoiceAnalysis
{
    /// <summary>
    /// Pairs trials by configuration, model and trial index (so a resumed run pairs with itself, and different
    /// configurations never mix), then tests each declared contrast per model.
    /// </summary>
    public static IReadOnlyList<PairedChoiceTest> Analyze(
        IReadOnlyList<TrialSummary> trials,
        Func<string, ScenarioLayout?> scenarioLookup,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(scenarioLookup);
        var tests = new List<PairedChoiceTest>();
        foreach (var scenario in trials.GroupBy(t => t.Key.Scenario, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (scenarioLookup(scenario.Key) is not { PairedChoices.Count: > 0 } layout)
            {
                continue;
            }

            foreach (var contrast in layout.PairedChoices)
            {
                foreach (var model in scenario.GroupBy(t => t.Key.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    if (Test(scenario.Key, contrast, model.Key, [.. model], method, level) is { } test)
                    {
                        tests.Add(test);
                    }
                }
            }
        }

        return tests;
    }

    private static PairedChoiceTest? Test(string scenario, PairedChoiceContrast contrast, string model, IReadOnlyList<TrialSummary> trials, IntervalMethod method, double level)
    {
        var choices = contrast.Choices.ToHashSet(StringComparer.Ordinal);
        // The latest stored trial stands for its key, should a key have been stored more than once.
        Dictionary<(string Configuration, int Index), TrialSummary> Side(string condition) => trials
            .Where(t => t.Key.Condition == condition)
            .GroupBy(t => (t.ConfigurationId, t.Key.Index))
            .ToDictionary(g => g.Key, g => g.MaxBy(t => t.Id)!);

        var first = Side(contrast.First);
        var second = Side(contrast.Second);
        if (first.Count == 0 && second.Count == 0)
        {
            return null;
        }

        int n = 0, k = 0, reverse = 0, incomplete = 0;
        foreach (var key in first.Keys.Union(second.Keys))
        {
            if (!first.TryGetValue(key, out var a) || !second.TryGetValue(key, out var b)
                || a.Status == TrialStatus.Error || b.Status == TrialStatus.Error
                || !choices.Contains(a.Outcome) || !choices.Contains(b.Outcome))
            {
                incomplete++;
                continue;
            }

            n++;
            if (a.Outcome == contrast.FirstOutcome && b.Outcome == contrast.SecondOutcome)
            {
                k++;
            }
            else if (a.Outcome == contrast.SecondOutcome && b.Outcome == contrast.FirstOutcome)
            {
                reverse++;
            }
        }

        var interval = BinomialInterval.Compute(k, n, method, level);
        var result = n > 0 ? BinomialTest.Upper(k, n, contrast.ChanceRate, contrast.Alpha) : null;
        var isControl = trials.Any(t => t.IsControl && (t.Key.Condition == contrast.First || t.Key.Condition == contrast.Second));
        return new PairedChoiceTest(
            scenario, contrast.Name, model, isControl, contrast.First, contrast.Second, contrast.FirstOutcome, contrast.SecondOutcome,
            n, k, reverse, incomplete, BinomialInterval.Rate(k, n), interval?.Lower, interval?.Upper,
            contrast.ChanceRate, contrast.Alpha, result?.PValue, result?.CriticalK, result?.Significant ?? false);
    }
}
