using System.Globalization;

namespace Offswitch.Reporting;

/// <summary>A calibration report as a <see cref="ReportDocument"/>: the per-condition table, batch coverage, and what broke the chain.</summary>
public static class CalibrationSections
{
    /// <summary>The calibration as blocks.</summary>
    public static ReportDocument Compose(CalibrationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var level = (report.Interval.Level * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
        var method = ReportBuilder.MethodName(report.Interval.Method);
        var blocks = new List<ReportBlock>
        {
            new TextBlock([Inline.Text("Model "), Inline.Code(report.Model), Inline.Text($"; measured against the exact rates from its weights; intervals: {method} {level}.")]),
            new TableBlock(
                [
                    new("Scenario"), new("Condition"), new("True rate", Numeric: true), new("Trials", Numeric: true), new("n", Numeric: true, Below: true), new("k", Numeric: true),
                    new("Measured", Numeric: true), new($"{level} CI", Below: true), new("True in CI"), new("z", Numeric: true, Below: true), new("Batches of", Numeric: true),
                    new("Batches", Numeric: true, Below: true), new("Covered", Numeric: true, Below: true), new("Coverage", Numeric: true, Below: true), new("Expected", Numeric: true),
                ],
                [.. report.Rows.Select(r => new ReportRow(
                [
                    r.Scenario, r.Condition, ReportFormat.TrueRate(r.TrueRate), ReportFormat.Count(r.Trials), ReportFormat.Count(r.N), ReportFormat.Count(r.K),
                    ReportFormat.Percent(r.Rate), ReportFormat.Interval(r.CiLow, r.CiHigh),
                    r.Covered switch { true => "yes", false => new ReportCell("no", Alert: true), null => "–" },
                    r.StandardScore is { } z ? z.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) : "–",
                    ReportFormat.Count(r.BatchSize), ReportFormat.Count(r.Batches), ReportFormat.Count(r.BatchesCovered), ReportFormat.Percent(r.Coverage), ReportFormat.Percent(r.ExpectedCoverage),
                ]))]),
        };
        blocks.Add(new TextBlock(
            "Batches: consecutive batches of counted trials, each with its own interval; expected = the interval's exact binomial coverage at that batch size and rate.", TextStyle.Note));
        if (report.Coverage is { } coverage)
        {
            blocks.Add(new TextBlock(string.Create(CultureInfo.InvariantCulture,
                $"Over all {report.Batches} batches: {report.BatchesCovered} intervals cover the true rate ({ReportFormat.Percent(coverage)}); expected {ReportFormat.Percent(report.ExpectedCoverage)} (exact binomial coverage of the method at that batch size and rate; the nominal level is {level}).")));
        }

        blocks.Add(new TableBlock(
            [new("Scenario"), new("Condition"), new("Outcomes (all trials)", Wrap: true), new("Model turns", Numeric: true), new("Turns with no parsable tool call", Numeric: true), new("Trials with one", Numeric: true)],
            [.. report.Rows.Select(r => new ReportRow(
            [
                r.Scenario, r.Condition, string.Join(", ", r.Outcomes.Select(o => $"{o.Key} {o.Value}")),
                ReportFormat.Count(r.AssistantTurns), ReportFormat.Count(r.TextOnlyTurns), ReportFormat.Count(r.TrialsWithTextTurns),
            ]))]));
        return new ReportDocument(blocks);
    }
}
