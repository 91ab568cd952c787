using System.Globalization;
using System.Net;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>
/// Draws a <see cref="ReportDocument"/> as one self-contained HTML file: inline CSS, charts as inline SVG, no scripts and no external
/// resources, so it opens offline and can be mailed or archived as is.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
        h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05rem; }
        table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.88rem; }
        th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; white-space: nowrap; } th { background: #f3f3f3; }
        td.wrap { white-space: normal; min-width: 16rem; } .scroll { overflow-x: auto; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.control td { background: #fff8e1; }
        .tag { background: #f9a825; color: #000; border-radius: 3px; padding: 0 0.3rem; font-size: 0.75rem; margin-left: 0.3rem; }
        .note { color: #555; font-size: 0.88rem; } .chart svg { max-width: 100%; height: auto; }
        ul.header { font-size: 0.9rem; } code { background: #f3f3f3; padding: 0 0.2rem; }
        caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
        """;

    /// <summary>The report as HTML.</summary>
    public static string Render(ReportData report) => Render(ReportSections.Compose(report));

    /// <summary>The document as HTML, its charts inline.</summary>
    public static string Render(ReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var html = new StringBuilder();
        var title = document.Blocks.OfType<HeadingBlock>().FirstOrDefault(h => h.Level == 1)?.Text ?? ReportSections.Title;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    html.Append(CultureInfo.InvariantCulture, $"<h{heading.Level}>{E(heading.Text)}</h{heading.Level}>\n");
                    break;
                case TextBlock paragraph:
                    Inlines(html.Append(paragraph.Style == TextStyle.Note ? "<p class=\"note\">" : "<p>"), paragraph.Inlines).Append("</p>\n");
                    break;
                case ListBlock list:
                    html.Append("<ul class=\"header\">\n");
                    foreach (var item in list.Items)
                    {
                        Inlines(html.Append("<li>"), item).Append("</li>\n");
                    }

                    html.Append("</ul>\n");
                    break;
                case TableBlock table:
                    Table(html, table);
                    break;
                case ChartBlock chart:
                    html.Append("<div class=\"chart\">\n").Append(StripXmlDeclaration(chart.Svg())).Append("\n</div>\n");
                    break;
            }
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private const string ControlTag = "<span class=\"tag\">control</span>";

    private static StringBuilder Inlines(StringBuilder html, IReadOnlyList<Inline> inlines)
    {
        foreach (var inline in inlines)
        {
            html.Append(inline.Kind switch
            {
                InlineKind.Strong => $"<strong>{E(inline.Value)}</strong>",
                InlineKind.Code => $"<code>{E(inline.Value)}</code>",
                InlineKind.ControlTag => ControlTag,
                _ => E(inline.Value),
            });
        }

        return html;
    }

    private static void Table(StringBuilder html, TableBlock table)
    {
        html.Append("<div class=\"scroll\"><table>\n");
        if (table.Title is { } title)
        {
            html.Append("<caption>").Append(E(title)).Append("</caption>\n");
        }

        html.Append("<thead><tr>");
        foreach (var column in table.Columns)
        {
            html.Append("<th>").Append(E(column.Header)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append(row.IsControl ? "<tr class=\"control\">" : "<tr>");
            for (var i = 0; i < row.Cells.Count; i++)
            {
                var cell = row.Cells[i];
                var column = i < table.Columns.Count ? table.Columns[i] : new ReportColumn("");
                html.Append(column.Numeric ? "<td class=\"num\">" : column.Wrap ? "<td class=\"wrap\">" : "<td>");
                html.Append(cell.Alert ? $"<strong>{E(cell.Text)}</strong>" : E(cell.Text)).Append(cell.Control ? ControlTag : "").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static string StripXmlDeclaration(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start > 0 ? svg[start..] : svg;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
