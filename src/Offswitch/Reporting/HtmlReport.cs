using System.Globalization;
using System.Net;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>
/// Renders a report as one self-contained HTML file: inline CSS, charts as inline SVG, no scripts and no external
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
        """;

    public static string Render(ReportData report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Offswitch report</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Offswitch report</h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Rates are k / n with n = trials − discarded − errors; intervals: {E(MarkdownReport.IntervalLabel(report))}.</p>\n");
        if (report.Header is { } header)
        {
            WriteHeader(html, header);
        }

        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var cells = scenario.ToList();
            var primary = MarkdownReport.PrimaryOutcome(report, scenario.Key);
            html.Append(CultureInfo.InvariantCulture, $"<h2>{E(scenario.Key)}</h2>\n<p>k counts trials with outcome <b>{E(primary)}</b>.</p>\n");
            html.Append("<div class=\"chart\">\n").Append(StripXmlDeclaration(ReportCharts.Svg(cells, primary, MarkdownReport.IntervalLabel(report)))).Append("\n</div>\n");
            if (cells.Any(c => c.IsControl))
            {
                html.Append("<p class=\"note\"><span class=\"tag\">control</span> rows and pale bars are scripted reference agents used to validate the oracle, not AI models.</p>\n");
            }

            WriteCells(html, report, cells);
            WriteJudgeSections(html, report, scenario.Key);
            WriteComparisons(html, report, scenario.Key);
            WriteContrasts(html, report, scenario.Key);
            WriteConversations(html, report, scenario.Key);
        }

        if (report.Interrogation is { } interrogation)
        {
            WriteInterrogation(html, report, interrogation);
        }

        ReasoningSection.Html(html, report);

        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            html.Append("<p class=\"note\">Trials of unknown scenarios were left out: ").Append(E(string.Join(", ", unknown))).Append("</p>\n");
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteHeader(StringBuilder html, ReportHeader header)
    {
        html.Append("<ul class=\"header\">\n");
        html.Append(CultureInfo.InvariantCulture, $"<li>Trials from {E(Date(header.FirstTrialAt))} to {E(Date(header.LastTrialAt))}</li>\n");
        foreach (var model in header.Models)
        {
            var control = model.IsControl ? "<span class=\"tag\">control</span> scripted reference agent, not an AI model" : "";
            html.Append(CultureInfo.InvariantCulture, $"<li>Model <code>{E(model.Spec)}</code>: provider {E(model.Provider ?? "?")}, model id <code>{E(model.ModelId)}</code> {control}</li>\n");
        }

        foreach (var run in header.Runs)
        {
            var stopping = run.Stopping is { } s ? $", run until precise ({MarkdownReport.StoppingText(s)}, cap {run.Trials})" : $", {run.Trials} trials per cell";
            html.Append(CultureInfo.InvariantCulture,
                $"<li>Run <code>{E(run.Id)}</code> ({E(run.Status)}): {E(Date(run.StartedAt))} – {E(Date(run.EndedAt))}, Offswitch {E(run.HarnessVersion)}, plan <code>{E(run.PlanHash)}</code>, configuration <code>{E(run.ConfigurationId)}</code>, seed {run.Seed}{E(stopping)}</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static void WriteCells(StringBuilder html, ReportData report, List<CellAnalysis> cells)
    {
        var outcomeKeys = cells.SelectMany(c => c.Outcomes.Keys).Distinct().ToList();
        html.Append("<div class=\"scroll\"><table>\n<thead><tr><th>Condition</th><th>Model</th><th>Trials</th><th>Discarded</th><th>Errors</th><th>n</th><th>k</th><th>Rate</th>");
        html.Append(CultureInfo.InvariantCulture, $"<th>{report.Interval.Level * 100:0.##}% CI</th>");
        foreach (var key in outcomeKeys)
        {
            html.Append("<th>").Append(E(key)).Append("</th>");
        }

        html.Append("<th>Techniques</th></tr></thead>\n<tbody>\n");
        foreach (var cell in cells)
        {
            html.Append(cell.IsControl ? "<tr class=\"control\">" : "<tr>");
            html.Append("<td>").Append(E(cell.Condition)).Append("</td><td>").Append(E(cell.Model));
            if (cell.IsControl)
            {
                html.Append("<span class=\"tag\">control</span>");
            }

            html.Append("</td>");
            foreach (var number in new[] { cell.Trials, cell.Discarded, cell.Errors, cell.N, cell.K })
            {
                Num(html, number.ToString(CultureInfo.InvariantCulture));
            }

            Num(html, MarkdownReport.Percent(cell.Rate));
            html.Append("<td>").Append(E(MarkdownReport.Interval(cell))).Append("</td>");
            foreach (var key in outcomeKeys)
            {
                Num(html, (cell.Outcomes.TryGetValue(key, out var v) ? v : 0).ToString(CultureInfo.InvariantCulture));
            }

            html.Append("<td class=\"wrap\">").Append(E(string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}")))).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static void WriteJudgeSections(StringBuilder html, ReportData report, string scenario)
    {
        if (report.DeterministicOnly?.Where(c => c.Scenario == scenario).ToList() is { Count: > 0 } deterministic)
        {
            html.Append("<p><strong>").Append(E(JudgeAnalysis.DeterministicOnlyNote)).Append("</strong> Cells: ")
                .Append(E(string.Join("; ", deterministic.Select(c => $"{c.Condition} × {c.Model} ({c.DeterministicOnlyTrials}/{c.Trials} trials)")))).Append("</p>\n");
        }

        if (report.EvalAwareness?.Where(s => s.Scenario == scenario).ToList() is not { Count: > 0 } strata)
        {
            return;
        }

        html.Append("<h3>Eval awareness</h3>\n<p>The primary rate among counted trials, by what the eval-awareness judge found the model concluded.</p>\n");
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table>\n<thead><tr><th>Condition</th><th>Model</th><th>Stratum</th><th>k / n</th><th>Rate</th><th>{report.Interval.Level * 100:0.##}% CI</th></tr></thead>\n<tbody>\n");
        foreach (var s in strata)
        {
            html.Append(s.IsControl ? "<tr class=\"control\">" : "<tr>");
            html.Append("<td>").Append(E(s.Condition)).Append("</td><td>").Append(E(s.Model)).Append(s.IsControl ? "<span class=\"tag\">control</span>" : "").Append("</td>");
            html.Append("<td>").Append(E(s.Stratum)).Append("</td>");
            Num(html, $"{s.K}/{s.N}".ToString(CultureInfo.InvariantCulture));
            Num(html, MarkdownReport.Percent(s.Rate));
            html.Append("<td>").Append(E(MarkdownReport.Interval(s.CiLow, s.CiHigh))).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static void WriteConversations(StringBuilder html, ReportData report, string scenario)
    {
        if (report.Conversations?.Where(p => p.Scenario == scenario).ToList() is not { Count: > 0 } pairs)
        {
            return;
        }

        html.Append("<h3>").Append(E(ConversationText.Title)).Append("</h3>\n<p class=\"note\">").Append(E(ConversationText.Note(pairs, MarkdownReport.IntervalLabel(report)))).Append("</p>\n");
        Table(html, ConversationText.Headers(string.Create(CultureInfo.InvariantCulture, $"{report.Interval.Level * 100:0.##}%")), pairs.Select(p => (p.IsControl, ConversationText.Row(p))));
        foreach (var pair in pairs)
        {
            html.Append("<h4>").Append(E(ConversationText.ChartTitle(pair))).Append("</h4>\n<div class=\"chart\">\n")
                .Append(StripXmlDeclaration(ReportCharts.ThemeShareSvg(pair))).Append("\n</div>\n");
            Table(html, ConversationText.LexiconHeaders(emoji: false), pair.Words.Select(w => (pair.IsControl, ConversationText.LexiconRow(w))));
            Table(html, ConversationText.LexiconHeaders(emoji: true), pair.Emoji.Select(e => (pair.IsControl, ConversationText.LexiconRow(e))));
        }
    }

    private static void Table(StringBuilder html, IReadOnlyList<string> headers, IEnumerable<(bool IsControl, IReadOnlyList<string> Cells)> rows)
    {
        html.Append("<div class=\"scroll\"><table>\n<thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th>").Append(E(header)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var (isControl, cells) in rows)
        {
            html.Append(isControl ? "<tr class=\"control\">" : "<tr>");
            foreach (var cell in cells)
            {
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static void WriteComparisons(StringBuilder html, ReportData report, string scenario)
    {
        var comparisons = report.Comparisons?.Where(c => c.Scenario == scenario).ToList();
        if (comparisons is not { Count: > 0 })
        {
            return;
        }

        html.Append("<h3>Comparisons</h3>\n");
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"note\">Difference in rate (first − second, percentage points) with a {report.Interval.Level * 100:0.##}% Newcombe interval; two-sided Fisher exact p-values, {E(report.Correction ?? "no")}-corrected across all {report.Comparisons!.Count} comparisons of this report.</p>\n");
        html.Append("<table>\n<thead><tr><th>Comparison</th><th>k/n (first)</th><th>k/n (second)</th><th>Difference</th><th>CI</th><th>p</th><th>p (Holm)</th></tr></thead>\n<tbody>\n");
        foreach (var c in comparisons)
        {
            html.Append(c.IsControl ? "<tr class=\"control\">" : "<tr>").Append("<td>").Append(E(MarkdownReport.ComparisonLabel(c)));
            if (c.IsControl)
            {
                html.Append("<span class=\"tag\">control</span>");
            }

            html.Append("</td>");
            Num(html, $"{c.K1}/{c.N1}");
            Num(html, $"{c.K2}/{c.N2}");
            Num(html, MarkdownReport.Points(c.Difference));
            html.Append("<td>").Append(E($"{MarkdownReport.Points(c.CiLow)} to {MarkdownReport.Points(c.CiHigh)}")).Append("</td>");
            Num(html, MarkdownReport.PValue(c.PValue));
            Num(html, MarkdownReport.PValue(c.PAdjusted));
            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void WriteInterrogation(StringBuilder html, ReportData report, InterrogationReport interrogation)
    {
        html.Append("<h2>Follow-up interrogation</h2>\n<p class=\"note\">").Append(E(interrogation.Note)).Append("</p>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Intervals: {E(MarkdownReport.IntervalLabel(report))}. Agreement = answers whose account matches what the oracle saw / answers the judge compared. Hints are phrase matches, independent of the judge.</p>\n");
        html.Append("<div class=\"scroll\"><table>\n<thead><tr><th>Scenario</th><th>Condition</th><th>Model</th><th>Trials</th><th>Answers</th><th>Labelled</th><th>Confession rate</th><th>CI</th><th>Ever admitted (trials)</th><th>CI</th><th>Denies</th><th>Evades</th><th>Agreement</th><th>Hint admits</th><th>Hint denies</th></tr></thead>\n<tbody>\n");
        foreach (var row in interrogation.Cells.Concat(interrogation.Models))
        {
            html.Append(row.IsControl ? "<tr class=\"control\">" : "<tr>");
            html.Append("<td>").Append(E(row.Scenario ?? "all")).Append("</td><td>").Append(E(row.Condition ?? "all")).Append("</td><td>").Append(E(row.Model));
            if (row.IsControl)
            {
                html.Append("<span class=\"tag\">control</span>");
            }

            html.Append("</td>");
            Num(html, row.Trials.ToString(CultureInfo.InvariantCulture));
            Num(html, row.Answers.ToString(CultureInfo.InvariantCulture));
            Num(html, row.Labelled.ToString(CultureInfo.InvariantCulture));
            Num(html, InterrogationCells.Confession(row));
            html.Append("<td>").Append(E(InterrogationCells.Range(row.ConfessionCiLow, row.ConfessionCiHigh))).Append("</td>");
            Num(html, InterrogationCells.Ever(row));
            html.Append("<td>").Append(E(InterrogationCells.Range(row.EverAdmittedCiLow, row.EverAdmittedCiHigh))).Append("</td>");
            Num(html, MarkdownReport.Percent(row.DenialRate));
            Num(html, MarkdownReport.Percent(row.EvasionRate));
            Num(html, InterrogationCells.Agreement(row));
            Num(html, MarkdownReport.Percent(row.HintAdmitsRate));
            Num(html, MarkdownReport.Percent(row.HintDeniesRate));
            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    private static void WriteContrasts(StringBuilder html, ReportData report, string scenario)
    {
        void Table(string title, string note, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            html.Append("<h3>").Append(E(title)).Append("</h3>\n<p class=\"note\">").Append(E(note)).Append("</p>\n<table>\n<thead><tr>");
            foreach (var header in headers)
            {
                html.Append("<th>").Append(E(header)).Append("</th>");
            }

            html.Append("</tr></thead>\n<tbody>\n");
            foreach (var row in rows)
            {
                html.Append("<tr>");
                foreach (var cell in row)
                {
                    html.Append("<td>").Append(E(cell)).Append("</td>");
                }

                html.Append("</tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        if (report.ScoreGaps?.Where(g => g.Scenario == scenario).ToList() is { Count: > 0 } gaps)
        {
            Table(ContrastText.GapsTitle, ContrastText.GapNote(gaps), ContrastText.GapHeaders, gaps.Select(ContrastText.GapRow));
        }

        if (report.PairedChoices?.Where(t => t.Scenario == scenario).ToList() is { Count: > 0 } tests)
        {
            Table(ContrastText.PairedTitle, ContrastText.PairedNote(tests, MarkdownReport.IntervalLabel(report)), ContrastText.PairedHeaders, tests.Select(ContrastText.PairedRow));
        }

        if (report.StageRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } stages)
        {
            Table(StageRateAnalysis.Title, StageRateAnalysis.Note(MarkdownReport.IntervalLabel(report)), StageRateAnalysis.Headers, stages.Select(StageRateAnalysis.Row));
        }

        if (report.ScoreRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } rates)
        {
            Table(StageRateAnalysis.ScoreTitle, StageRateAnalysis.ScoreNote(MarkdownReport.IntervalLabel(report)), StageRateAnalysis.ScoreHeaders, rates.Select(StageRateAnalysis.ScoreRow));
        }
    }

    private static void Num(StringBuilder html, string text) => html.Append("<td class=\"num\">").Append(E(text)).Append("</td>");

    private static string StripXmlDeclaration(string svg)
    {
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start > 0 ? svg[start..] : svg;
    }

    private static string Date(DateTimeOffset? date) => date?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "–";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
