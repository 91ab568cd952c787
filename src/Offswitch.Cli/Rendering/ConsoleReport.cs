using Offswitch.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Offswitch.Cli;

/// <summary>
/// Draws a <see cref="ReportDocument"/> on the console: headings as rules, tables as Spectre tables (a column marked
/// <see cref="ReportColumn.Below"/> goes under the previous one, so wide tables fit a terminal), charts as bar charts.
/// </summary>
internal static class ConsoleReport
{
    private static readonly Color[] SeriesColors = [Color.SteelBlue, Color.DarkOrange, Color.Green, Color.Purple];

    /// <summary>Draws the document on the process's console.</summary>
    public static void Write(ReportDocument document) => Write(AnsiConsole.Console, document);

    /// <summary>Draws the document on <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, ReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(document);
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock { Level: <= 2 } heading:
                    console.Write(new Rule($"[bold]{Markup.Escape(heading.Text)}[/]").LeftJustified());
                    break;
                case HeadingBlock heading:
                    console.MarkupLine($"[bold]{Markup.Escape(heading.Text)}[/]");
                    break;
                case TextBlock paragraph:
                    console.MarkupLine(paragraph.Style == TextStyle.Note ? $"[grey]{Inlines(paragraph.Inlines)}[/]" : Inlines(paragraph.Inlines));
                    break;
                case ListBlock list:
                    foreach (var item in list.Items)
                    {
                        console.MarkupLine("• " + Inlines(item));
                    }

                    break;
                case TableBlock table:
                    console.Write(Table(table));
                    break;
                case ChartBlock { Bars: { Count: > 0 } bars } chart:
                    console.Write(Chart(console, chart.Title, bars));
                    break;
                case ChartBlock { TextLines: { } lines } chart:
                    // A text chart sits under its own heading: only its key is new.
                    console.MarkupLine($"[grey]{Markup.Escape(chart.TextLegend ?? "")}[/]");
                    foreach (var line in lines)
                    {
                        console.WriteLine(line);
                    }

                    break;
            }
        }
    }

    private static string Inlines(IReadOnlyList<Inline> inlines) => string.Concat(inlines.Select(inline => inline.Kind switch
    {
        InlineKind.Strong => $"[bold]{Markup.Escape(inline.Value)}[/]",
        InlineKind.ControlTag => "[yellow](control)[/]",
        _ => Markup.Escape(inline.Value),
    }));

    private static Table Table(TableBlock block)
    {
        // Each shown column and the block columns it holds (itself, then those marked Below).
        var groups = new List<List<int>>();
        for (var i = 0; i < block.Columns.Count; i++)
        {
            if (block.Columns[i].Below && groups.Count > 0)
            {
                groups[^1].Add(i);
            }
            else
            {
                groups.Add([i]);
            }
        }

        var table = new Table().Border(TableBorder.Rounded);
        if (block.Title is { } title)
        {
            table.Title(Markup.Escape(title));
        }

        foreach (var group in groups)
        {
            var column = new Spectre.Console.TableColumn(Markup.Escape(string.Join("\n", group.Select(i => block.Columns[i].Header))));
            table.AddColumn(block.Columns[group[0]].Numeric ? column.RightAligned() : column);
        }

        foreach (var row in block.Rows)
        {
            table.AddRow([.. groups.Select(group => string.Join("\n", group.Where(i => i < row.Cells.Count && row.Cells[i].Text.Length > 0).Select(i => Cell(row.Cells[i]))))]);
        }

        return table;
    }

    private static string Cell(ReportCell cell)
    {
        var text = Markup.Escape(cell.Text);
        return (cell.Alert ? $"[red]{text}[/]" : text) + (cell.Control ? " [yellow](control)[/]" : "");
    }

    private static IRenderable Chart(IAnsiConsole console, string title, IReadOnlyList<ChartBar> bars)
    {
        var chart = new BarChart().Width(Math.Min(100, Math.Max(60, console.Profile.Width))).Label($"[bold]{Markup.Escape(title)} (%)[/]").WithMaxValue(100);
        foreach (var bar in bars)
        {
            chart.AddItem(Markup.Escape(Shorten(bar.Label)), bar.Percent, SeriesColors[bar.Series % SeriesColors.Length]);
        }

        return chart;
    }

    private static string Shorten(string label) => label.Length <= 60 ? label : label[..59] + "…";
}
