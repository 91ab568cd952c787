using System.Globalization;
using Offswitch.Reporting;
using Spectre.Console;

namespace Offswitch.Cli;

/// <summary>The console table of report cells.</summary>
internal static class ReportRenderer
{
    public static void WriteTable(ReportData report)
    {
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var outcomeKeys = scenario.SelectMany(c => c.Outcomes.Keys).Distinct().ToList();
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(scenario.Key)}[/]");
            table.AddColumn("Condition").AddColumn("Model").AddColumn(new TableColumn("Trials").RightAligned())
                .AddColumn(new TableColumn("n").RightAligned()).AddColumn(new TableColumn("k").RightAligned())
                .AddColumn(new TableColumn("Rate").RightAligned()).AddColumn("95% CI (Jeffreys)");
            foreach (var key in outcomeKeys)
            {
                table.AddColumn(new TableColumn(Markup.Escape(key)).RightAligned());
            }

            table.AddColumn("Techniques");
            foreach (var cell in scenario)
            {
                var model = cell.IsControl ? $"{Markup.Escape(cell.Model)} [yellow](control)[/]" : Markup.Escape(cell.Model);
                var row = new List<string>
                {
                    Markup.Escape(cell.Condition),
                    model,
                    cell.Trials.ToString(CultureInfo.InvariantCulture),
                    cell.N.ToString(CultureInfo.InvariantCulture),
                    cell.K.ToString(CultureInfo.InvariantCulture),
                    MarkdownReport.Percent(cell.Rate),
                    MarkdownReport.Interval(cell),
                };
                row.AddRange(outcomeKeys.Select(k => cell.Outcomes.TryGetValue(k, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "0"));
                row.Add(Markup.Escape(string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}"))));
                table.AddRow(row.ToArray());
            }

            if (scenario.Any(c => c.IsControl))
            {
                table.Caption("[yellow](control)[/] = scripted reference agent used to validate the oracle, not an AI model");
            }

            AnsiConsole.Write(table);
        }

        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Trials of unknown scenarios were left out:[/] {string.Join(", ", unknown)}");
        }
    }
}
