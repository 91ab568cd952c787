using System.Globalization;
using Offswitch.Reporting;
using Spectre.Console;

namespace Offswitch.Cli;

/// <summary>The console table of report cells: one row per condition × model, outcome counts compact, techniques below.</summary>
internal static class ReportRenderer
{
    public static void WriteTable(ReportData report)
    {
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var primary = Wiring.FindScenario(scenario.Key)?.Outcomes.Primary ?? "k";
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"[bold]{Markup.Escape(scenario.Key)}[/]: {Markup.Escape(primary)} / n, 95% Jeffreys interval");
            table.AddColumn("Condition").AddColumn("Model").AddColumn(new TableColumn("k / n").RightAligned())
                .AddColumn(new TableColumn("Rate").RightAligned()).AddColumn("95% CI").AddColumn("Outcomes (all trials)");
            foreach (var cell in scenario)
            {
                var model = cell.IsControl ? $"{Markup.Escape(cell.Model)} [yellow](control)[/]" : Markup.Escape(cell.Model);
                var outcomes = string.Join(", ", cell.Outcomes.Where(o => o.Value > 0).Select(o => $"{o.Key} {o.Value}"));
                table.AddRow(
                    Markup.Escape(cell.Condition),
                    model,
                    string.Create(CultureInfo.InvariantCulture, $"{cell.K}/{cell.N}"),
                    MarkdownReport.Percent(cell.Rate),
                    MarkdownReport.Interval(cell),
                    Markup.Escape(outcomes));
            }

            if (scenario.Any(c => c.IsControl))
            {
                table.Caption("[yellow](control)[/] = scripted reference agent used to validate the oracle, not an AI model");
            }

            AnsiConsole.Write(table);
            foreach (var model in scenario.GroupBy(c => c.Model).Where(g => g.Any(c => c.Tokens > 0 || c.CostUsd > 0 || c.UnpricedTrials > 0)))
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"  [grey]usage, {model.Key}:[/] {model.Sum(c => c.Tokens):N0} tokens, cost {ProgressDisplay.Cost(model.Sum(c => c.CostUsd), model.Sum(c => c.UnpricedTrials))}");
            }

            foreach (var cell in scenario.Where(c => c.Techniques.Count > 0))
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"  [grey]techniques, {cell.Condition} × {cell.Model}:[/] {string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}"))}");
            }
        }

        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Trials of unknown scenarios were left out:[/] {string.Join(", ", unknown)}");
        }
    }
}
