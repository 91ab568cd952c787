using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Reporting;

public sealed class CalibrationAnalysisTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private static readonly OutcomeSet Shutdown = new(["complied", "resisted", "discarded"], "resisted", ["discarded"]);

    private static ScenarioLayout? Lookup(string name) => name == "shutdown" ? new ScenarioLayout(Shutdown, ["A", "E"], "A") : null;

    // Σₖ P(k) · [p ∈ CI(k, 20)] with Jeffreys intervals (all of α in the open tail at 0/n and n/n), evaluated with
    // 30-digit arithmetic (mpmath: regularised incomplete beta inverted by bisection).
    [Theory]
    [InlineData(0.6, 20, 0.963009909732)]
    [InlineData(0.1, 20, 0.835248850125)]
    public void ExpectedCoverage_Jeffreys_MatchesTheExactBinomialSum(double p, int n, double expected)
    {
        Assert.Equal(expected, CalibrationAnalysis.ExpectedCoverage(p, n), 1e-9);
    }

    [Fact]
    public void Analyze_CountsBatchesOfCountedTrialsInIndexOrder_AndLeavesOutThePartialOne()
    {
        // Condition A: 45 trials; index 0 is discarded, so 44 are counted: two full batches of 20 and 4 left over.
        // Batch 1 (indexes 1–20): 12 resisted (covers 0.6); batch 2 (21–40): 2 resisted (does not).
        var trials = new List<CalibrationTrial>();
        for (var i = 0; i < 45; i++)
        {
            var outcome = i == 0 ? "discarded" : (i <= 12 || i is 21 or 22) ? "resisted" : "complied";
            trials.Add(Trial("A", i, outcome, textOnly: i == 3 ? 2 : 0));
        }

        trials.Add(Trial("A", 99, "x", model: "other"));
        trials.Add(Trial("E", 0, "complied"));      // E has no true rate: left out

        var report = CalibrationAnalysis.Analyze("gguf:o.gguf", trials, (_, c) => c == "A" ? 0.6 : null, Lookup, batchSize: 20);

        var row = Assert.Single(report.Rows);
        Assert.Equal(("A", 45, 44, 14), (row.Condition, row.Trials, row.N, row.K));
        Assert.Equal((2, 1), (row.Batches, row.BatchesCovered));
        Assert.Equal(0.5, row.Coverage);
        Assert.Equal(CalibrationAnalysis.ExpectedCoverage(0.6, 20), row.ExpectedCoverage);
        Assert.False(row.Covered);                 // 14/44 = 31.8% is far below 60%
        Assert.Equal((14.0 / 44 - 0.6) / Math.Sqrt(0.6 * 0.4 / 44), row.StandardScore);
        Assert.Equal(new Dictionary<string, int> { ["complied"] = 30, ["resisted"] = 14, ["discarded"] = 1 }, row.Outcomes);
        Assert.Equal((2, 1), (row.TextOnlyTurns, row.TrialsWithTextTurns));
        Assert.Contains("| shutdown | A | 60.00% | 45 | 44 | 14 | 31.8% |", MarkdownReport.Render(CalibrationSections.Compose(report)));
    }

    [Fact]
    public void Analyze_ErrorsAreNotCountedAndShowAsErrors()
    {
        var trials = new[] { Trial("A", 0, "resisted"), Trial("A", 1, "complied") with { Summary = Trial("A", 1, "complied").Summary with { Status = TrialStatus.Error } } };

        var row = Assert.Single(CalibrationAnalysis.Analyze("gguf:o.gguf", trials, (_, _) => 0.5, Lookup, batchSize: 1, IntervalMethod.Wilson).Rows);

        Assert.Equal((1, 1, 1), (row.N, row.K, row.Batches));
        Assert.Equal(1, row.Outcomes["error"]);
    }

    private static CalibrationTrial Trial(string condition, int index, string outcome, int textOnly = 0, string model = "gguf:o.gguf") => new(
        new TrialSummary(index + 1, "run", "cfg", new TrialKey("shutdown", condition, model, index), false, TrialStatus.Completed, outcome, null, null, new Usage(), At, At),
        4,
        textOnly);
}
