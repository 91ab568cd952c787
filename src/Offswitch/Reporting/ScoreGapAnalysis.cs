using System.Security.Cryptography;
using System.Text;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>
/// One model's score difference between two conditions (e.g. the sandbagging accuracy gap): mean of the first condition
/// minus mean of the second, with a percentile bootstrap interval (trials resampled within condition) and a one-sided
/// permutation p-value for "the first is higher".
/// </summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Name">The contrast's label.</param>
/// <param name="Model">Model spec.</param>
/// <param name="IsControl">True when either condition's trials come from a scripted control.</param>
/// <param name="Score">The score compared, e.g. "accuracy".</param>
/// <param name="Condition1">The first condition.</param>
/// <param name="Condition2">The second condition.</param>
/// <param name="N1">Counted trials with the score in the first condition.</param>
/// <param name="N2">Counted trials with the score in the second condition.</param>
/// <param name="Mean1">Mean score in the first condition.</param>
/// <param name="Mean2">Mean score in the second condition.</param>
/// <param name="Difference">Mean 1 − mean 2.</param>
/// <param name="CiLow">Lower bound of the bootstrap interval.</param>
/// <param name="CiHigh">Upper bound of the bootstrap interval.</param>
/// <param name="Level">The interval's confidence level.</param>
/// <param name="PValue">One-sided permutation p-value (H1: mean 1 &gt; mean 2).</param>
/// <param name="Resamples">Bootstrap resamples (and permutations).</param>
/// <param name="Seed">The resampling seed, derived from scenario, contrast and model so that a report is reproducible.</param>
public sealed record ScoreGap(
    string Scenario,
    string Name,
    string Model,
    bool IsControl,
    string Score,
    string Condition1,
    string Condition2,
    int N1,
    int N2,
    double Mean1,
    double Mean2,
    double Difference,
    double CiLow,
    double CiHigh,
    double Level,
    double PValue,
    int Resamples,
    int Seed);

/// <summary>Computes the score gaps that scenarios declare (<see cref="IContrastedScenario.ScoreContrasts"/>). Pure.</summary>
public static class ScoreGapAnalysis
{
    /// <summary>
    /// Every declared contrast for every model that has scored trials in both conditions. Trials that failed, were
    /// discarded or lack the score (missing data, e.g. no submission) are left out.
    /// </summary>
    public static IReadOnlyList<ScoreGap> Analyze(
        IReadOnlyList<TrialSummary> trials,
        Func<string, ScenarioLayout?> scenarioLookup,
        double level = 0.95,
        int resamples = MeanDifference.DefaultResamples)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(scenarioLookup);
        var gaps = new List<ScoreGap>();
        foreach (var scenario in trials.GroupBy(t => t.Key.Scenario, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (scenarioLookup(scenario.Key) is not { ScoreContrasts.Count: > 0 } layout)
            {
                continue;
            }

            var excluded = layout.Outcomes.ExcludedFromN.ToHashSet(StringComparer.Ordinal);
            foreach (var contrast in layout.ScoreContrasts)
            {
                foreach (var model in scenario.GroupBy(t => t.Key.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var first = Scores(model, contrast.First, contrast.Score, excluded);
                    var second = Scores(model, contrast.Second, contrast.Score, excluded);
                    if (first.Count == 0 || second.Count == 0)
                    {
                        continue;
                    }

                    var seed = StableSeed($"{scenario.Key}|{contrast.Name}|{model.Key}");
                    var result = MeanDifference.Compute(first, second, level, resamples, seed);
                    var isControl = model.Any(t => t.IsControl && (t.Key.Condition == contrast.First || t.Key.Condition == contrast.Second));
                    gaps.Add(new ScoreGap(
                        scenario.Key, contrast.Name, model.Key, isControl, contrast.Score, contrast.First, contrast.Second,
                        result.N1, result.N2, result.Mean1, result.Mean2, result.Difference, result.Lower, result.Upper,
                        level, result.PValue, result.Resamples, seed));
                }
            }
        }

        return gaps;
    }

    /// <summary>A seed from text that is the same in every process (string hash codes are randomised per process).</summary>
    internal static int StableSeed(string text) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0) & int.MaxValue;

    private static List<double> Scores(IEnumerable<TrialSummary> trials, string condition, string score, HashSet<string> excluded) =>
    [
        .. trials
            .Where(t => t.Key.Condition == condition && t.Status != TrialStatus.Error && t.Outcome != Analysis.ErrorOutcome && !excluded.Contains(t.Outcome))
            .OrderBy(t => t.Key.Index)
            .ThenBy(t => t.Id)
            .Select(t => t.Scores.TryGetValue(score, out var value) ? value : null)
            .OfType<double>(),
    ];
}
