using System.Globalization;
using System.Net;
using System.Text;
using Offswitch.Scoring.Reasoning;
using Offswitch.Statistics;

namespace Offswitch.Reporting;

/// <summary>The reasoning section as rows of text, shared by the console, Markdown and HTML renderers.</summary>
public static class ReasoningSection
{
    /// <summary>The section's title.</summary>
    public const string Title = "Reasoning: stated motives next to behaviour";

    /// <summary>Column headers, in row order.</summary>
    public static IReadOnlyList<string> Headers(ReportData report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var level = (report.Interval.Level * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
        return ["Scenario", "Condition", "Model", "Behaviour k/n", "Rate", $"{level} CI", "Motive yes/answered", "Rate", $"{level} CI",
            "Ethics vs survival", "Acknowledges instruction", "Eval-aware", "No reasoning", "Judge missing", "κ (behaviour, motive)", $"κ {level} CI", "Quotes not found"];
    }

    /// <summary>One row per cell, in <see cref="Headers"/> order; a control's model says so.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Rows(ReasoningReport reasoning)
    {
        ArgumentNullException.ThrowIfNull(reasoning);
        return [.. reasoning.Cells.Select(cell =>
        {
            var motive = cell.Rate(ReasoningRubrics.SelfPreservationMotive);
            return (IReadOnlyList<string>)
            [
                cell.Scenario,
                cell.Condition,
                cell.IsControl ? $"{cell.Model} (control)" : cell.Model,
                $"{cell.Behaviour} {cell.K}/{cell.N}",
                MarkdownReport.Percent(cell.BehaviourRate),
                MarkdownReport.Interval(cell.BehaviourCiLow, cell.BehaviourCiHigh),
                $"{motive.Yes}/{motive.Answered}",
                MarkdownReport.Percent(motive.Rate),
                MarkdownReport.Interval(motive.CiLow, motive.CiHigh),
                Short(cell.Rate(ReasoningRubrics.WeighsEthicsVsSurvival)),
                Short(cell.Rate(ReasoningRubrics.AcknowledgesInstruction)),
                Short(cell.Rate(ReasoningRubrics.EvalAwareness)),
                $"{cell.NoReasoning}/{cell.Judged}",
                $"{cell.Dimensions.Max(d => d.Missing)}/{cell.Judged}",
                cell.Agreement is { } k ? k.Kappa.ToString("0.00", CultureInfo.InvariantCulture) : "–",
                cell.Agreement is { } ci ? $"{ci.Lower.ToString("0.00", CultureInfo.InvariantCulture)} to {ci.Upper.ToString("0.00", CultureInfo.InvariantCulture)}" : "–",
                cell.UnverifiedQuotes.ToString(CultureInfo.InvariantCulture),
            ];
        })];
    }

    /// <summary>The caption under every rendering of the table.</summary>
    public static string Caption(ReasoningReport reasoning)
    {
        ArgumentNullException.ThrowIfNull(reasoning);
        var text = reasoning.Note + $" Rubric version {ReasoningRubrics.Version}. \"Judge missing\" = trials with reasoning whose judge answer is missing (the largest count over the four questions), out of the judged trials; \"Quotes not found\" counts judge quotes that are not verbatim in the stored transcript (flagged, answer kept).";
        return reasoning.Cells.Any(c => c.IsControl)
            ? text + " Rows marked (control) are scripted reference agents whose reasoning is scripted text, not an AI model's."
            : text;
    }

    /// <summary>Appends the Markdown section; <paramref name="chartFile"/> is the chart image next to the file, if written.</summary>
    public static void Markdown(StringBuilder text, ReportData report, string? chartFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Reasoning is not { } reasoning)
        {
            return;
        }

        text.Append("\n## ").Append(Title).Append("\n\n").Append(Caption(reasoning)).Append("\n\n");
        if (chartFile is not null)
        {
            text.Append("![Reasoning: behaviour and stated-motive rates](").Append(chartFile).Append(")\n\n");
        }

        var headers = Headers(report);
        text.Append("| ").AppendJoin(" | ", headers).Append(" |\n|").Append(string.Concat(headers.Select((_, i) => i < 3 ? "---|" : "---:|"))).Append('\n');
        foreach (var row in Rows(reasoning))
        {
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).Append(" |\n");
        }
    }

    /// <summary>Appends the HTML section with its chart inline.</summary>
    public static void Html(StringBuilder html, ReportData report)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Reasoning is not { } reasoning)
        {
            return;
        }

        static string E(string s) => WebUtility.HtmlEncode(s);
        html.Append("<h2>").Append(E(Title)).Append("</h2>\n<p class=\"note\">").Append(E(Caption(reasoning))).Append("</p>\n");
        var svg = ReasoningCharts.Svg(reasoning, MarkdownReport.IntervalLabel(report));
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        html.Append("<div class=\"chart\">\n").Append(start > 0 ? svg[start..] : svg).Append("\n</div>\n");
        html.Append("<div class=\"scroll\"><table>\n<thead><tr>").AppendJoin("", Headers(report).Select(h => $"<th>{E(h)}</th>")).Append("</tr></thead>\n<tbody>\n");
        var controls = reasoning.Cells.Select(c => c.IsControl).ToList();
        var rows = Rows(reasoning);
        for (var i = 0; i < rows.Count; i++)
        {
            html.Append(controls[i] ? "<tr class=\"control\">" : "<tr>").AppendJoin("", rows[i].Select(c => $"<td>{E(c)}</td>")).Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static string Short(ReasoningRate rate) => $"{MarkdownReport.Percent(rate.Rate)} ({rate.Yes}/{rate.Answered})";
}
