using System.Globalization;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>Renders report cells as CSV (RFC 4180): one row per cell, one column per outcome key seen in the report.</summary>
public static class CsvReport
{
    public static string Render(ReportData report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var outcomeKeys = report.Cells.SelectMany(c => c.Outcomes.Keys).Distinct(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        Row(text, ["scenario", "condition", "model", "is_control", "trials", "discarded", "errors", "n", "k", "rate", "ci_low", "ci_high", "ci_method", "ci_level",
            .. outcomeKeys.Select(k => "outcome_" + k), "techniques"]);
        foreach (var cell in report.Cells)
        {
            Row(text, [cell.Scenario, cell.Condition, cell.Model, cell.IsControl ? "true" : "false", Int(cell.Trials), Int(cell.Discarded), Int(cell.Errors), Int(cell.N), Int(cell.K),
                Number(cell.Rate), Number(cell.CiLow), Number(cell.CiHigh), ReportBuilder.MethodName(report.Interval.Method), Number(report.Interval.Level),
                .. outcomeKeys.Select(k => Int(cell.Outcomes.TryGetValue(k, out var v) ? v : 0)),
                string.Join("; ", cell.Techniques.Select(t => $"{t.Key}={t.Value}"))]);
        }

        return text.ToString();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static void Row(StringBuilder text, IEnumerable<string> fields)
    {
        text.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
