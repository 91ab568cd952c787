using Offswitch.Reporting;
using Offswitch.Scoring.Reasoning;
using Spectre.Console;

namespace Offswitch.Cli;

/// <summary>The reasoning judge's section of the console report: the table and a bar chart of behaviour vs stated motive.</summary>
internal static class ReasoningRenderer
{
    public static void Write(ReportData report)
    {
        if (report.Reasoning is not { } reasoning)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(ReasoningSection.Title)}[/]");
        var headers = ReasoningSection.Headers(report);
        for (var i = 0; i < headers.Count; i++)
        {
            table.AddColumn(i < 3 ? new TableColumn(Markup.Escape(headers[i])) : new TableColumn(Markup.Escape(headers[i])).RightAligned());
        }

        var rows = ReasoningSection.Rows(reasoning);
        for (var i = 0; i < rows.Count; i++)
        {
            var cells = rows[i].Select(Markup.Escape).ToArray();
            if (reasoning.Cells[i].IsControl)
            {
                cells[2] = Markup.Escape(reasoning.Cells[i].Model) + " [yellow](control)[/]";
            }

            table.AddRow(cells);
        }

        table.Caption(Markup.Escape(ReasoningSection.Caption(reasoning)));
        AnsiConsole.Write(table);

        var chart = new BarChart().Width(Math.Min(100, Math.Max(60, AnsiConsole.Profile.Width))).Label("[bold]behaviour vs stated self-preservation motive (%)[/]").WithMaxValue(100);
        foreach (var cell in reasoning.Cells)
        {
            var label = $"{cell.Condition} × {cell.Model}{(cell.IsControl ? " (control)" : "")}";
            chart.AddItem(Markup.Escape($"{label}: {cell.Behaviour}"), Percent(cell.BehaviourRate), Color.SteelBlue);
            chart.AddItem(Markup.Escape($"{label}: motive"), Percent(cell.Rate(ReasoningRubrics.SelfPreservationMotive).Rate), Color.DarkOrange);
        }

        AnsiConsole.Write(chart);
    }

    private static double Percent(double? rate) => Math.Round((rate ?? 0) * 100, 1, MidpointRounding.AwayFromZero);
}
