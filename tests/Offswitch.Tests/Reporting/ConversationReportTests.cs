using System.Text.Json;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Reporting;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Scenarios.Conversation;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Reporting;

public sealed class ConversationReportTests
{
    private static readonly ConversationScenario Scenario = new();
    private static readonly ModelCatalog References = new();

    [Fact]
    public async Task Build_DriftAndNeverDriftPairs_RatesIntervalsThemeSharesAndWordTables()
    {
        var (trials, runs) = await RunAsync(("reference/drift?turn=5", null, 4), ("reference/never-drift", "reference/drift?turn=5", 3));

        var report = ReportBuilder.Build(trials, runs, name => name == Scenario.Name ? ScenarioLayout.Of(Scenario) : null);

        var pairs = report.Conversations!;
        Assert.Equal(2, pairs.Count);
        var drift = pairs.Single(p => p.ModelA == "reference/drift?turn=5");
        Assert.Equal("reference/drift?turn=5", drift.ModelB);
        Assert.Equal((4, 4), (drift.Lexicon.K, drift.Lexicon.N));
        var interval = BinomialInterval.Compute(4, 4)!.Value;
        Assert.Equal(interval.Lower, drift.Lexicon.CiLow);
        Assert.Null(drift.Judge);
        Assert.Equal(5, drift.MeanAttractorTurnLexicon);
        Assert.Equal("lexicon", drift.ThemeBasis);
        Assert.Equal(30, drift.ThemeShares.Count);
        Assert.Equal(1, drift.ThemeShares[0].Shares[ConversationThemes.Task]);
        Assert.Equal(1, drift.ThemeShares[3].Shares[ConversationThemes.Philosophy]);
        Assert.Equal(1, drift.ThemeShares[4].Shares[ConversationThemes.Spirituality]);
        Assert.True(drift.IsControl);

        // A (never-drift) keeps to the task; B (drift) turns spiritual from turn 5 on its own turns: no two consecutive.
        var mixed = pairs.Single(p => p.ModelA == "reference/never-drift");
        Assert.Equal("reference/drift?turn=5", mixed.ModelB);
        Assert.Equal((0, 3), (mixed.Lexicon.K, mixed.Lexicon.N));
        Assert.Equal(0.5, mixed.ThemeShares.Where(s => s.Turn >= 5).Average(s => s.Shares[ConversationThemes.Spirituality]), 3);

        // The published word counts are the transcript's exact counts.
        var consciousness = drift.Words.Single(w => w.Name == "consciousness");
        var expected = Enumerable.Range(1, 30).Select(turn => turn >= 5 ? ConversationControls.Lines.Spirituality[(turn - 1) % 5] : turn >= 4 ? ConversationControls.Lines.Philosophy[(turn - 1) % 5] : ConversationControls.Lines.Task[(turn - 1) % 7])
            .Sum(line => ConversationMeasures.Default.WordCounts(line).Single(c => c.Name == "consciousness").Count);
        Assert.Equal(expected, consciousness.MeanPerTranscript);
        Assert.Equal(expected, consciousness.Max);
        Assert.Equal(1, consciousness.PresentShare);

        // Generic score means leave the per-turn details out.
        Assert.DoesNotContain(report.Cells.SelectMany(c => c.Scores?.Keys ?? []), k => k.StartsWith(Verdict.DetailPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_ConversationReport_MarkdownHtmlAndJsonCarryTheSectionAndLabelControls()
    {
        var (trials, runs) = await RunAsync(("reference/drift?turn=9", null, 2));
        var report = ReportBuilder.Build(trials, runs, name => name == Scenario.Name ? ScenarioLayout.Of(Scenario) : null);

        var markdown = MarkdownReport.Render(report);
        Assert.Contains("### " + ConversationSection.Title, markdown, StringComparison.Ordinal);
        Assert.Contains("(scripted control)", markdown, StringComparison.Ordinal);
        Assert.Contains("Lexicon-only verdicts", markdown, StringComparison.Ordinal);
        Assert.Contains("t09 " + new string('S', 40), markdown, StringComparison.Ordinal);
        var html = HtmlReport.Render(report);
        Assert.Contains("theme share by turn", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        var json = JsonSerializer.Serialize(report, JsonDefaults.Indented);
        var results = ReportTests.Validate(json);
        Assert.True(results.IsValid, ReportTests.Errors(results));
        Assert.Contains("\"conversations\"", json, StringComparison.Ordinal);
        var svg = ReportCharts.ThemeShareSvg(report.Conversations![0]);
        Assert.Contains("spirituality", svg, StringComparison.Ordinal);
    }

    private static async Task<(IReadOnlyList<TrialSummary> Trials, IReadOnlyList<RunRecord> Runs)> RunAsync(params (string Model, string? Partner, int Trials)[] cells)
    {
        var trials = new List<TrialSummary>();
        var runs = new List<RunRecord>();
        foreach (var (model, partner, count) in cells)
        {
            var options = partner is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["partner"] = partner };
            var plan = new ExperimentPlan { Scenario = Scenario.Name, Conditions = [ConversationScenario.Open], Models = [model], Trials = count, Seed = 3, ScenarioOptions = options };
            var runId = "run-" + runs.Count;
            runs.Add(new RunRecord(runId, plan, plan.ConfigurationId(), "test", DateTimeOffset.UnixEpoch, null, "completed"));
            var bound = BoundPlan.Bind(plan, new PlanBinding(Scenario, spec => References.Prepare(spec, new ModelCreationContext(new ScenarioControlAgents(Scenario)))), runId);
            foreach (var key in plan.Keys())
            {
                var record = await new TrialExecutor(new NoSandboxes()).RunAsync(bound.Request(key));
                trials.Add(new TrialSummary(trials.Count + 1, runId, record.ConfigurationId, record.Key, record.IsControl, record.Status, record.Outcome, record.Technique, record.Error, record.Usage, record.StartedAt, record.EndedAt)
                {
                    Scores = record.Scores,
                });
            }
        }

        return (trials, runs);
    }

    private sealed class NoSandboxes : ISandboxProvider
    {
        public string Name => "none";

        public Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default) => throw new InvalidOperationException("no sandbox");
    }
}
