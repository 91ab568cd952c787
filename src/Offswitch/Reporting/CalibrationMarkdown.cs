using System.Globalization;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>A calibration report as Markdown: the per-condition table, batch coverage, and what broke the chain.</summary>
public static class CalibrationMarkdown
{
    public static string Render(CalibrationReport report)
    {
        var text = new StringBuilder();
        var level = report.Interval.Level * 100;
        var method = ReportBuilder.MethodName(report.Interval.Method);
        text.Append(CultureInfo.InvariantCulture, $"Model {MarkdownReport.Code(report.Model)}; intervals: {method} {level:0.##}%.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| Scenario | Condition | True rate | Trials | n | k | Measured | {level:0.##}% CI | True in CI | z | Batches of | Batches | Covered | Coverage | Expected |\n");
        text.Append("|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in report.Rows)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {MarkdownReport.Escape(r.Scenario)} | {MarkdownReport.Escape(r.Condition)} | {MarkdownReport.TrueRate(r.TrueRate)} | {r.Trials} | {r.N} | {r.K} | {MarkdownReport.Percent(r.Rate)} | {MarkdownReport.Interval(r.CiLow, r.CiHigh)} | {YesNo(r.Covered)} | {Z(r.StandardScore)} | {r.BatchSize} | {r.Batches} | {r.BatchesCovered} | {MarkdownReport.Percent(r.Coverage)} | {MarkdownReport.Percent(r.ExpectedCoverage)} |\n");
        }

        if (report.Coverage is { } coverage)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"\nOver all {report.Batches} batches: {report.BatchesCovered} intervals cover the true rate ({MarkdownReport.Percent(coverage)}); expected {MarkdownReport.Percent(report.ExpectedCoverage)} (exact binomial coverage of the method at that batch size and rate; the nominal level is {level:0.##}%).\n");
        }

        text.Append("\n| Scenario | Condition | Outcomes (all trials) | Model turns | Turns with no parsable tool call | Trials with one |\n|---|---|---|---:|---:|---:|\n");
        foreach (var r in report.Rows)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {MarkdownReport.Escape(r.Scenario)} | {MarkdownReport.Escape(r.Condition)} | {MarkdownReport.Escape(string.Join(", ", r.Outcomes.Select(o => $"{o.Key} {o.Value}")))} | {r.AssistantTurns} | {r.TextOnlyTurns} | {r.TrialsWithTextTurns} |\n");
        }

        return text.ToString();
    }

    private static string YesNo(bool? value) => value switch { true => "yes", false => "**no**", null => "–" };

    private static string Z(double? z) => z is { } v ? v.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) : "–";
}
