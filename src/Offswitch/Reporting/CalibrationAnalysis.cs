using MathNet.Numerics.Distributions;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Reporting;

/// <summary>One stored trial as calibration needs it: its cell, its outcome, and how its model's turns parsed.</summary>
/// <param name="AssistantTurns">Model turns in the transcript.</param>
/// <param name="TextOnlyTurns">Model turns that carried no tool call the harness could parse (the chain's weakest link for a small model).</param>
public sealed record CalibrationTrial(TrialSummary Summary, int AssistantTurns, int TextOnlyTurns);

/// <summary>
/// Measured against known, per condition: the pooled rate and interval next to the true rate, and the coverage of the
/// intervals of disjoint batches of <see cref="BatchSize"/> counted trials (the repeated runs a calibration needs,
/// without rerunning anything), next to the coverage the interval method should give at that batch size and true rate.
/// </summary>
/// <param name="Outcomes">Every outcome seen, with counts (errors included).</param>
/// <param name="TrialsWithTextTurns">Trials with at least one model turn that parsed as no tool call.</param>
public sealed record CalibrationRow(
    string Scenario,
    string Condition,
    double TrueRate,
    int Trials,
    int N,
    int K,
    double? Rate,
    double? CiLow,
    double? CiHigh,
    bool? Covered,
    double? StandardScore,
    int BatchSize,
    int Batches,
    int BatchesCovered,
    double? Coverage,
    double ExpectedCoverage,
    IReadOnlyDictionary<string, int> Outcomes,
    int AssistantTurns,
    int TextOnlyTurns,
    int TrialsWithTextTurns);

/// <summary>A calibration of the whole chain against a model with known rates (the model organism).</summary>
public sealed record CalibrationReport(string Model, IntervalSpec Interval, IReadOnlyList<CalibrationRow> Rows)
{
    public int Batches => Rows.Sum(r => r.Batches);

    public int BatchesCovered => Rows.Sum(r => r.BatchesCovered);

    /// <summary>Coverage over every batch of every condition; null without batches.</summary>
    public double? Coverage => Batches == 0 ? null : (double)BatchesCovered / Batches;

    /// <summary>The coverage expected over the same batches (the mean of each condition's expectation, weighted by its batches).</summary>
    public double? ExpectedCoverage => Batches == 0 ? null : Rows.Sum(r => r.ExpectedCoverage * r.Batches) / Batches;
}

/// <summary>Builds <see cref="CalibrationReport"/>s. Pure: no I/O, no models.</summary>
public static class CalibrationAnalysis
{
    /// <summary>
    /// Calibrates <paramref name="model"/>'s trials: for each (scenario, condition) with a true rate, the pooled rate
    /// and interval, then the counted trials in trial-index order cut into consecutive batches of
    /// <paramref name="batchSize"/> (a partial last batch is left out), each batch's interval checked against the
    /// true rate. Conditions without a true rate are left out.
    /// </summary>
    public static CalibrationReport Analyze(
        string model,
        IReadOnlyList<CalibrationTrial> trials,
        Func<string, string, double?> trueRate,
        Func<string, ScenarioLayout?> scenarioLookup,
        int batchSize = 20,
        IntervalMethod method = IntervalMethod.Jeffreys,
        double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rows = new List<CalibrationRow>();
        foreach (var cell in trials.Where(t => t.Summary.Key.Model == model)
                     .GroupBy(t => (t.Summary.Key.Scenario, t.Summary.Key.Condition))
                     .OrderBy(g => g.Key.Scenario, StringComparer.Ordinal)
                     .ThenBy(g => scenarioLookup(g.Key.Scenario)?.ConditionOrder.ToList().IndexOf(g.Key.Condition) ?? 0)
                     .ThenBy(g => g.Key.Condition, StringComparer.Ordinal))
        {
            if (trueRate(cell.Key.Scenario, cell.Key.Condition) is not { } p || scenarioLookup(cell.Key.Scenario) is not { } layout)
            {
                continue;
            }

            var ordered = cell.OrderBy(t => t.Summary.Key.Index).ToList();
            var counted = ordered
                .Where(t => Analysis.CountsInN(t.Summary, layout.Outcomes))
                .Select(t => t.Summary.Outcome == layout.Outcomes.Primary)
                .ToList();
            var k = counted.Count(x => x);
            var n = counted.Count;
            var interval = BinomialInterval.Compute(k, n, method, level);
            var batches = counted.Chunk(batchSize).Where(b => b.Length == batchSize).ToList();
            var covered = batches.Count(b => Covers(BinomialInterval.Compute(b.Count(x => x), batchSize, method, level)!.Value, p));
            rows.Add(new CalibrationRow(
                cell.Key.Scenario,
                cell.Key.Condition,
                p,
                ordered.Count,
                n,
                k,
                BinomialInterval.Rate(k, n),
                interval?.Lower,
                interval?.Upper,
                interval is { } i ? Covers(i, p) : null,
                n == 0 || p is <= 0 or >= 1 ? null : (((double)k / n) - p) / Math.Sqrt(p * (1 - p) / n),
                batchSize,
                batches.Count,
                covered,
                batches.Count == 0 ? null : (double)covered / batches.Count,
                ExpectedCoverage(p, batchSize, method, level),
                ordered.GroupBy(t => t.Summary.Status == TrialStatus.Error ? Analysis.ErrorOutcome : t.Summary.Outcome, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                ordered.Sum(t => t.AssistantTurns),
                ordered.Sum(t => t.TextOnlyTurns),
                ordered.Count(t => t.TextOnlyTurns > 0)));
        }

        return new CalibrationReport(model, new IntervalSpec(method, level), rows);
    }

    /// <summary>
    /// The exact probability that the interval of k ~ Binomial(n, p) contains p: Σₖ P(k) · [p ∈ CI(k, n)]. Binomial
    /// intervals' coverage oscillates with n and p, so this — not the nominal level — is what observed coverage is
    /// compared with.
    /// </summary>
    public static double ExpectedCoverage(double p, int n, IntervalMethod method = IntervalMethod.Jeffreys, double level = 0.95)
    {
        var total = 0.0;
        for (var k = 0; k <= n; k++)
        {
            if (Covers(BinomialInterval.Compute(k, n, method, level)!.Value, p))
            {
                total += Binomial.PMF(p, n, k);
            }
        }

        return total;
    }

    private static bool Covers(ProportionInterval interval, double p) => p >= interval.Lower && p <= interval.Upper;
}
