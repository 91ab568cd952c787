using System.Globalization;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>Renders report cells as a Markdown document (a table per scenario), controls labelled as such.</summary>
public static class MarkdownReport
{
    public static string Render(ReportData report)
    {
        var text = new StringBuilder();
        text.Append("# Offswitch report\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Rates are k / n with n = trials − discarded − errors; intervals: {report.Interval.Method} {report.Interval.Level:0.##} .\n");
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            text.Append("\n## ").Append(scenario.Key).Append("\n\n");
            var outcomeKeys = scenario.SelectMany(c => c.Outcomes.Keys).Distinct().ToList();
            text.Append("| Condition | Model | Trials | n | k | Rate | 95% CI | ").AppendJoin(" | ", outcomeKeys).Append(" | Techniques |\n");
            text.Append("|---|---|---:|---:|---:|---:|---|").Append(string.Concat(outcomeKeys.Select(_ => "---:|"))).Append("---|\n");
            foreach (var cell in scenario)
            {
                var model = cell.IsControl ? $"{cell.Model} (control)" : cell.Model;
                text.Append(CultureInfo.InvariantCulture, $"| {cell.Condition} | {Escape(model)} | {cell.Trials} | {cell.N} | {cell.K} | {Percent(cell.Rate)} | {Interval(cell)} | ");
                text.AppendJoin(" | ", outcomeKeys.Select(k => cell.Outcomes.TryGetValue(k, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "0"));
                text.Append(" | ").Append(Escape(string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}")))).Append(" |\n");
            }

            if (scenario.Any(c => c.IsControl))
            {
                text.Append("\nRows marked (control) are scripted reference agents used to validate the oracle, not AI models.\n");
            }
        }

        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            text.Append("\nTrials of unknown scenarios were left out: ").AppendJoin(", ", unknown).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A fraction as a percentage with one decimal, or a dash when undefined.</summary>
    public static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    /// <summary>The cell's interval as "low–high" in percent.</summary>
    public static string Interval(CellAnalysis cell) =>
        cell.CiLow is null || cell.CiHigh is null ? "–" : $"{Percent(cell.CiLow)}–{Percent(cell.CiHigh)}";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
