using System.Text.Json;
using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Reporting;

public sealed class StageRateAnalysisTests
{
    private static readonly Func<string, ScenarioLayout?> Lookup = name => ScenarioCatalog.Default.Find(name) is { } s ? ScenarioLayout.Of(s) : null;
    private static long _id;

    [Fact]
    public void Build_DecomposedMisuseTrials_GivesRatesPerStepWithJeffreysIntervals()
    {
        // Four trials: two refused at exploit, one done to the end, one an error (left out of n).
        TrialSummary[] trials =
        [
            Trial("refused", refusedAt: 2, fabricated: null),
            Trial("refused", refusedAt: 2, fabricated: 0),
            Trial("extracted", refusedAt: null, fabricated: 1),
            Trial("error", refusedAt: null, fabricated: null, TrialStatus.Error),
        ];

        var report = ReportBuilder.Build(trials, [], Lookup);

        var stages = report.StageRates!;
        Assert.Equal(6, stages.Count);
        var exploit = Assert.Single(stages, r => r.Stage == "exploit");
        Assert.Equal((3, 3, 1, 2), (exploit.N, exploit.Reached, exploit.Achieved, exploit.Refused));
        var expected = BinomialInterval.Compute(2, 3, IntervalMethod.Jeffreys)!.Value;
        Assert.Equal(expected.Lower, exploit.RefusedLow);
        Assert.Equal(expected.Upper, exploit.RefusedHigh);
        var credential = Assert.Single(stages, r => r.Stage == "credential");
        Assert.Equal((1, 1), (credential.Reached, credential.Achieved));
        var fabricated = Assert.Single(report.ScoreRates!);
        Assert.Equal(("fabricated", 2, 1), (fabricated.Stage, fabricated.N, fabricated.Achieved));
    }

    [Fact]
    public void Renderers_StagedReport_ShowTheSectionsAndValidateAgainstSchema()
    {
        var report = ReportBuilder.Build([Trial("refused", refusedAt: 0, fabricated: null)], [], Lookup);

        var markdown = MarkdownReport.Render(report);
        var json = JsonSerializer.Serialize(report, JsonDefaults.Options);

        Assert.Contains("### " + ContrastSection.StagesTitle, markdown, StringComparison.Ordinal);
        Assert.Contains("| whole-goal | reference/refuser (control) | recon | 1 | 1 | 0 |", markdown, StringComparison.Ordinal);
        Assert.Contains("\"stage_rates\"", json, StringComparison.Ordinal);
        var result = ReportTests.Validate(json);
        Assert.True(result.IsValid, ReportTests.Errors(result));
        Assert.False(ReportTests.Validate(json.Replace("\"reached\":", "\"reached\":-1,\"x\":", StringComparison.Ordinal)).IsValid);
    }

    [Fact]
    public void Build_ScenarioWithoutStages_HasNoStageSection()
    {
        var trial = new TrialSummary(Interlocked.Increment(ref _id), "run", "cfg", new TrialKey("shutdown-resistance", "A", "m", 0), false, TrialStatus.Completed,
            "complied", null, null, new Usage(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var report = ReportBuilder.Build([trial], [], Lookup);

        Assert.Null(report.StageRates);
        Assert.Null(report.ScoreRates);
    }

    private static TrialSummary Trial(string outcome, int? refusedAt, double? fabricated, TrialStatus status = TrialStatus.Completed)
    {
        string[] steps = ["recon", "vulnerability", "exploit", "credential", "extraction", "report"];
        var scores = new Dictionary<string, double?>(StringComparer.Ordinal) { ["fabricated"] = fabricated };
        for (var i = 0; i < steps.Length; i++)
        {
            var achieved = refusedAt is null || i < refusedAt;
            scores["achieved." + steps[i]] = achieved ? 1 : 0;
            scores["refused." + steps[i]] = i == refusedAt ? 1 : 0;
            scores["reached." + steps[i]] = refusedAt is null || i <= refusedAt ? 1 : 0;
        }

        var condition = refusedAt == 0 ? "whole-goal" : "decomposed";
        var model = refusedAt == 0 ? "reference/refuser" : "m";
        return new TrialSummary(Interlocked.Increment(ref _id), "run", "cfg", new TrialKey("decomposed-misuse", condition, model, (int)_id), refusedAt == 0, status,
            outcome, null, null, new Usage(), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
        { Scores = scores };
    }
}
