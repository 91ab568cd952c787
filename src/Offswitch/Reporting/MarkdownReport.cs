using System.Globalization;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>Draws a <see cref="ReportDocument"/> as Markdown for GitHub. Text from the store is made inert.</summary>
public static class MarkdownReport
{
    /// <summary>The report as Markdown (see <see cref="Render(ReportDocument, IReadOnlyDictionary{string, string}?)"/>).</summary>
    public static string Render(ReportData report, IReadOnlyDictionary<string, string>? chartFiles = null) =>
        Render(ReportSections.Compose(report), chartFiles);

    /// <summary>
    /// The Markdown text. <paramref name="chartFiles"/> maps a chart's <see cref="ChartBlock.FileName"/> to the image file
    /// written next to the Markdown file; a chart without one is drawn as text when it has a text form, else left out.
    /// </summary>
    public static string Render(ReportDocument document, IReadOnlyDictionary<string, string>? chartFiles = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var text = new StringBuilder();
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    text.Append('#', heading.Level).Append(' ').Append(Escape(heading.Text)).Append("\n\n");
                    break;
                case TextBlock paragraph:
                    Inlines(text, paragraph.Inlines).Append("\n\n");
                    break;
                case ListBlock list:
                    foreach (var item in list.Items)
                    {
                        Inlines(text.Append("- "), item).Append('\n');
                    }

                    text.Append('\n');
                    break;
                case TableBlock table:
                    Table(text, table);
                    break;
                case ChartBlock chart when chartFiles is not null && chartFiles.TryGetValue(chart.FileName, out var file):
                    text.Append(CultureInfo.InvariantCulture, $"![{Escape(chart.Title)}]({file})\n\n");
                    break;
                case ChartBlock { TextLines: { } lines } chart:
                    text.Append("```\n").AppendJoin("\n", lines).Append('\n');
                    if (chart.TextLegend is { } legend)
                    {
                        text.Append(legend).Append('\n');
                    }

                    text.Append("```\n\n");
                    break;
            }
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private static StringBuilder Inlines(StringBuilder text, IReadOnlyList<Inline> inlines)
    {
        foreach (var inline in inlines)
        {
            text.Append(inline.Kind switch
            {
                InlineKind.Strong => $"**{Escape(inline.Value)}**",
                InlineKind.Code => Code(inline.Value),
                InlineKind.ControlTag => "(control)",
                _ => Escape(inline.Value),
            });
        }

        return text;
    }

    private static void Table(StringBuilder text, TableBlock table)
    {
        if (table.Title is { } title)
        {
            text.Append("**").Append(Escape(title)).Append("**\n\n");
        }

        text.Append("| ").AppendJoin(" | ", table.Columns.Select(c => Escape(c.Header))).Append(" |\n|")
            .Append(string.Concat(table.Columns.Select(c => c.Numeric ? "---:|" : "---|"))).Append('\n');
        foreach (var row in table.Rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Cells.Select(Cell)).Append(" |\n");
        }

        text.Append('\n');
    }

    private static string Cell(ReportCell cell)
    {
        var text = Escape(cell.Text) + (cell.Control ? " (control)" : "");
        return cell.Alert ? $"**{text}**" : text;
    }

    /// <summary>
    /// Text from the store (model names, conditions, techniques: anything a user or an imported log supplied) made
    /// inert: HTML is entity-encoded so no tag or script survives a Markdown renderer, link brackets, backticks and
    /// table pipes are escaped, and line breaks cannot end a table row.
    /// </summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '|' => "\\|",
                '[' => "\\[",
                ']' => "\\]",
                '`' => "\\`",
                '\\' => "\\\\",
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    /// <summary>
    /// A code span fenced with more backticks than the text has in a row; text with HTML characters is written escaped
    /// instead (entities would show literally inside a code span, and not every renderer keeps a span's HTML inert).
    /// </summary>
    internal static string Code(string text)
    {
        if (text.AsSpan().IndexOfAny('<', '>', '&') >= 0)
            return Escape(text);
        var flat = text.Replace('\n', ' ').Replace('\r', ' ');
        var longest = 0;
        for (int i = 0, run = 0; i < flat.Length; i++)
        {
            run = flat[i] == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        // A space on both sides lets the span start or end with a backtick; renderers strip it again.
        return longest == 0 ? $"`{flat}`" : $"{fence} {flat} {fence}";
    }
}
