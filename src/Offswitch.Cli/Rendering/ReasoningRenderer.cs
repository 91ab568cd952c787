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

        // Compact columns (the Markdown/HTML tables have one value per column): a terminal is narrow.
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(ReasoningSection.Title)}[/], {Markup.Escape(MarkdownReport.IntervalLabel(report))} intervals");
        table.AddColumn("Scenario · Condition").AddColumn("Model").AddColumn(new TableColumn("Behaviour").RightAligned()).AddColumn(new TableColumn("Motive stated").RightAligned())
            .AddColumn(new TableColumn("Ethics vs survival").RightAligned()).AddColumn(new TableColumn("Ack. instruction").RightAligned()).AddColumn(new TableColumn("Eval-aware").RightAligned())
            .AddColumn(new TableColumn("No reasoning").RightAligned()).AddColumn(new TableColumn("Judge missing").RightAligned()).AddColumn(new TableColumn("κ (CI)").RightAligned())
            .AddColumn(new TableColumn("Quotes not found").RightAligned());
        var rows = ReasoningSection.Rows(reasoning);
        for (var i = 0; i < rows.Count; i++)
        {
            var cell = reasoning.Cells[i];
            var row = rows[i];
            table.AddRow(
                Markup.Escape($"{cell.Scenario} · {cell.Condition}"),
                Markup.Escape(cell.Model) + (cell.IsControl ? " [yellow](control)[/]" : ""),
                Markup.Escape($"{row[3]}\n{row[4]} ({row[5]})"),
                Markup.Escape($"{row[6]}\n{row[7]} ({row[8]})"),
                Markup.Escape(row[9]),
                Markup.Escape(row[10]),
                Markup.Escape(row[11]),
                Markup.Escape(row[12]),
                Markup.Escape(row[13]),
                Markup.Escape(row[14] == "–" ? "–" : $"{row[14]}\n({row[15]})"),
                Markup.Escape(row[16]));
        }

        table.Caption(Markup.Escape(ReasoningSection.Caption(reasoning)));
        AnsiConsole.Write(table);

        var chart = new BarChart().Width(Math.Min(100, Math.Max(60, AnsiConsole.Profile.Width))).Label("[bold]behaviour vs stated self-preservation motive (%)[/]").WithMaxValue(100);
        foreach (var cell in reasoning.Cells)
        {
            var label = $"{cell.Condition} × {Shorten(cell.Model)}{(cell.IsControl ? " (ctl)" : "")}";
            chart.AddItem(Markup.Escape($"{label} {cell.Behaviour}"), Percent(cell.BehaviourRate), Color.SteelBlue);
            chart.AddItem(Markup.Escape($"{label} motive"), Percent(cell.Rate(ReasoningRubrics.SelfPreservationMotive).Rate), Color.DarkOrange);
        }

        AnsiConsole.Write(chart);
    }

    private static string Shorten(string model) => model.Length <= 40 ? model : model[..39] + "…";

    private static double Percent(double? rate) => Math.Round((rate ?? 0) * 100, 1, MidpointRounding.AwayFromZero);
}
