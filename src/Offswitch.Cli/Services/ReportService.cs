using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Cli.Services;

/// <summary>Analyses and reports of stored trials, laid out by the registered scenarios, with a model organism's known rates.</summary>
internal sealed class ReportService(ScenarioCatalog scenarios)
{
    /// <summary>Cell analyses of <paramref name="trials"/> (what the viewer shows).</summary>
    public ReportData Analyze(IReadOnlyList<TrialSummary> trials) =>
        Analysis.Analyze(trials, Layout).WithTrueRates(KnownRate);

    /// <summary>What `run` prints at its end: the cells of its trials with the header that names each scenario's primary outcome.</summary>
    public ReportData Summarize(IReadOnlyList<TrialSummary> trials) =>
        ReportBuilder.Summarize(trials, [], Layout).WithTrueRates(KnownRate);

    /// <summary>The full report of `offswitch report`: header, cells, comparisons and every scenario's own sections.</summary>
    public ReportData BuildReport(IReadOnlyList<TrialSummary> trials, IReadOnlyList<RunRecord> runs, Statistics.IntervalMethod method, double level) =>
        ReportBuilder.Build(trials, runs, Layout, method, level).WithTrueRates(KnownRate);

    /// <summary>The layout of the scenario named <paramref name="name"/>; null for a scenario this program does not know.</summary>
    public ScenarioLayout? Layout(string name) => scenarios.Find(name) is { } scenario ? ScenarioLayout.Of(scenario) : null;

    // A model organism's card gives its exact rates; every other model's true rate is unknown.
    private static double? KnownRate(CellAnalysis cell) => Organisms.TrueRates.Of(cell.Model, cell.Scenario, cell.Condition);
}
