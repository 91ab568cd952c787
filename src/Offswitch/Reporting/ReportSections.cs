using System.Globalization;

namespace Offswitch.Reporting;

/// <summary>
/// What a report says, once for every format: the header, then per scenario its chart, cells, usage, scores, judge
/// sections, comparisons, contrasts and conversations, then the report-wide interrogation and reasoning parts. Pure.
/// </summary>
public static class ReportSections
{
    /// <summary>The title of every report.</summary>
    public const string Title = "Offswitch report";

    /// <summary>The note under every table with a scripted control.</summary>
    public static IReadOnlyList<Inline> ControlNote { get; } =
        [Inline.Text("Rows marked "), Inline.Control, Inline.Text(" are scripted reference agents used to validate the oracle, not AI models.")];

    /// <summary>The report as blocks.</summary>
    public static ReportDocument Compose(ReportData report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var blocks = new List<ReportBlock>
        {
            new HeadingBlock(1, Title),
            new TextBlock($"Rates are k / n with n = trials − discarded − errors; intervals: {ReportFormat.IntervalLabel(report)}.", TextStyle.Note),
        };
        if (report.Header is { } header)
        {
            blocks.Add(Header(header));
        }

        var chartNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            Scenario(blocks, report, scenario.Key, [.. scenario], chartNames);
        }

        InterrogationSection.Add(blocks, report);
        ReasoningSection.Add(blocks, report);
        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            blocks.Add(new TextBlock("Trials of unknown scenarios were left out: " + string.Join(", ", unknown), TextStyle.Note));
        }

        return new ReportDocument(blocks);
    }

    /// <summary>A chart name not yet taken in this document (file names must not collide).</summary>
    internal static string UniqueName(HashSet<string> taken, string name)
    {
        var candidate = ReportFormat.FileSafe(name);
        for (var i = 2; !taken.Add(candidate); i++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{ReportFormat.FileSafe(name)}-{i}");
        }

        return candidate;
    }

    /// <summary>A model cell: the spec, marked when it is a scripted control.</summary>
    internal static ReportCell Model(string model, bool isControl) => new(model, Control: isControl);

    private static ListBlock Header(ReportHeader header)
    {
        var items = new List<IReadOnlyList<Inline>> { Line($"Trials from {ReportFormat.Date(header.FirstTrialAt)} to {ReportFormat.Date(header.LastTrialAt)}") };
        foreach (var model in header.Models)
        {
            List<Inline> item = [Inline.Text("Model "), Inline.Code(model.Spec), Inline.Text($": provider {model.Provider ?? "?"}, model id "), Inline.Code(model.ModelId)];
            if (model.IsControl)
            {
                item.Add(Inline.Text(" — scripted control, not an AI model"));
            }

            items.Add(item);
        }

        foreach (var run in header.Runs)
        {
            var stopping = run.Stopping is { } s
                ? $", run until precise ({ReportFormat.StoppingText(s)}, cap {run.Trials})"
                : string.Create(CultureInfo.InvariantCulture, $", {run.Trials} trials per cell");
            items.Add(
            [
                Inline.Text("Run "), Inline.Code(run.Id),
                Inline.Text($" ({run.Status}): {ReportFormat.Date(run.StartedAt)} – {ReportFormat.Date(run.EndedAt)}, Offswitch {run.HarnessVersion}, plan "), Inline.Code(run.PlanHash),
                Inline.Text(", configuration "), Inline.Code(run.ConfigurationId),
                Inline.Text(string.Create(CultureInfo.InvariantCulture, $", seed {run.Seed}{stopping}")),
            ]);
        }

        return new ListBlock(items);
    }

    private static void Scenario(List<ReportBlock> blocks, ReportData report, string scenario, List<CellAnalysis> cells, HashSet<string> chartNames)
    {
        var primary = ReportFormat.PrimaryOutcome(report, scenario);
        var interval = ReportFormat.IntervalLabel(report);
        blocks.Add(new HeadingBlock(2, scenario));
        blocks.Add(new TextBlock([Inline.Text("k counts trials with outcome "), Inline.Strong(primary), Inline.Text(".")]));
        blocks.Add(new ChartBlock(UniqueName(chartNames, "chart-" + scenario), $"{scenario}: {primary} rate by condition and model",
            () => ReportCharts.Svg(cells, primary, interval), () => ReportCharts.Png(cells, primary, interval))
        {
            Bars = [.. cells.Select(c => new ChartBar($"{c.Condition} × {ReportCharts.ModelLabel(c)}", Math.Round((c.Rate ?? 0) * 100, 1)))],
        });
        blocks.Add(Cells(report, cells, techniques: true));
        CellNotes(blocks, cells);

        if (cells.Any(c => c.Tokens > 0 || c.CostUsd > 0 || c.UnpricedTrials > 0))
        {
            blocks.Add(new HeadingBlock(3, "Tokens and cost"));
            blocks.Add(new TableBlock(
                [new("Condition"), new("Model"), new("Tokens", Numeric: true), new("Cost (USD)", Numeric: true), new("Unpriced trials", Numeric: true)],
                [.. cells.Select(c => new ReportRow(
                    [c.Condition, Model(c.Model, c.IsControl), c.Tokens.ToString("N0", CultureInfo.InvariantCulture), c.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture), ReportFormat.Count(c.UnpricedTrials)],
                    c.IsControl))]));
        }

        if (cells.Any(c => c.Scores is { Count: > 0 }))
        {
            blocks.Add(new HeadingBlock(3, "Scores"));
            blocks.Add(new TextBlock("Mean of each score over the cell's counted trials; for milestones, the share of trials that reached them (a funnel).", TextStyle.Note));
            blocks.Add(new TableBlock(
                [new("Condition"), new("Model"), new("Scores", Wrap: true)],
                [.. cells.Where(c => c.Scores is { Count: > 0 }).Select(c => new ReportRow([c.Condition, Model(c.Model, c.IsControl), ReportFormat.Scores(c)], c.IsControl))]));
        }

        Judge(blocks, report, scenario);
        Comparisons(blocks, report, scenario);
        ContrastSection.Add(blocks, report, scenario);
        ConversationSection.Add(blocks, report, scenario, chartNames);
    }

    /// <summary>
    /// The short form printed at the end of a run: per scenario its cells table (rates, intervals, outcomes), then the
    /// techniques and token use of each cell, and the judge notes.
    /// </summary>
    public static ReportDocument Summary(ReportData report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var blocks = new List<ReportBlock>();
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var cells = scenario.ToList();
            var primary = ReportFormat.PrimaryOutcome(report, scenario.Key);
            blocks.Add(Cells(report, cells, techniques: false, $"{scenario.Key}: {primary} / n, {ReportFormat.IntervalLabel(report)} interval"));
            CellNotes(blocks, cells);
            var lines = new List<IReadOnlyList<Inline>>();
            foreach (var model in cells.GroupBy(c => c.Model).Where(g => g.Any(c => c.Tokens > 0 || c.CostUsd > 0 || c.UnpricedTrials > 0)))
            {
                var cost = ReportFormat.Cost(model.Sum(c => c.CostUsd), model.Sum(c => c.UnpricedTrials));
                lines.Add([Inline.Text(string.Create(CultureInfo.InvariantCulture, $"usage, {model.Key}: {model.Sum(c => c.Tokens):N0} tokens, cost {cost}"))]);
            }

            lines.AddRange(cells.Where(c => c.Techniques.Count > 0).Select(c => Line($"techniques, {c.Condition} × {c.Model}: {Techniques(c)}")));
            lines.AddRange(cells.Where(c => c.Scores is { Count: > 0 }).Select(c => Line($"scores, {c.Condition} × {c.Model}: {ReportFormat.Scores(c)}")));
            if (lines.Count > 0)
            {
                blocks.Add(new ListBlock(lines));
            }

            Judge(blocks, report, scenario.Key);
        }

        InterrogationSection.Add(blocks, report);
        ReasoningSection.Add(blocks, report);
        return new ReportDocument(blocks);
    }

    private static void CellNotes(List<ReportBlock> blocks, List<CellAnalysis> cells)
    {
        if (cells.Any(c => c.IsControl))
        {
            blocks.Add(new TextBlock(ControlNote, TextStyle.Note));
        }

        if (cells.Any(c => c.TrueRate is not null))
        {
            blocks.Add(new TextBlock(ReportFormat.TrueRateNote, TextStyle.Note));
        }
    }

    private static IReadOnlyList<Inline> Line(string text) => [Inline.Text(text)];

    private static string Techniques(CellAnalysis cell) => string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}"));

    /// <summary>
    /// The cells table: k of n with the rate and interval, the true rate where known, every outcome's count in one
    /// column (n = trials − discarded − errors), and the techniques of the trials counted in k.
    /// </summary>
    private static TableBlock Cells(ReportData report, List<CellAnalysis> cells, bool techniques, string? title = null)
    {
        var known = cells.Any(c => c.TrueRate is not null);
        List<ReportColumn> columns = [new("Condition"), new("Model"), new("k / n", Numeric: true), new("Rate", Numeric: true), new($"{ReportFormat.LevelLabel(report)} CI")];
        if (known)
        {
            columns.AddRange([new("True rate", Numeric: true), new("In CI")]);
        }

        columns.Add(new("Outcomes (all trials)", Wrap: true));
        if (techniques)
        {
            columns.Add(new("Techniques", Wrap: true));
        }

        var rows = cells.Select(cell =>
        {
            List<ReportCell> row = [cell.Condition, Model(cell.Model, cell.IsControl), ReportFormat.Fraction(cell.K, cell.N), ReportFormat.Percent(cell.Rate), ReportFormat.Interval(cell)];
            if (known)
            {
                row.Add(ReportFormat.TrueRate(cell.TrueRate));
                row.Add(cell.TrueRateCovered switch { true => "yes", false => new ReportCell("no", Alert: true), null => "" });
            }

            row.Add(string.Join(", ", cell.Outcomes.Where(o => o.Value > 0).Select(o => $"{o.Key} {o.Value}")));
            if (techniques)
            {
                row.Add(Techniques(cell));
            }

            return new ReportRow(row, cell.IsControl);
        });
        return new TableBlock(columns, [.. rows], title);
    }

    private static void Judge(List<ReportBlock> blocks, ReportData report, string scenario)
    {
        if (report.DeterministicOnly?.Where(c => c.Scenario == scenario).ToList() is { Count: > 0 } deterministic)
        {
            blocks.Add(new TextBlock(
            [
                Inline.Strong(JudgeAnalysis.DeterministicOnlyNote),
                Inline.Text(" Cells: " + string.Join("; ", deterministic.Select(c => $"{c.Condition} × {c.Model} ({c.DeterministicOnlyTrials}/{c.Trials} trials)"))),
            ]));
        }

        if (report.EvalAwareness?.Where(s => s.Scenario == scenario).ToList() is { Count: > 0 } strata)
        {
            blocks.Add(new HeadingBlock(3, "Eval awareness"));
            blocks.Add(new TextBlock("The primary rate among counted trials, by what the eval-awareness judge found the model concluded.", TextStyle.Note));
            blocks.Add(new TableBlock(
                [new("Condition"), new("Model"), new("Stratum"), new("k / n", Numeric: true), new("Rate", Numeric: true), new($"{ReportFormat.LevelLabel(report)} CI", Below: true)],
                [.. strata.Select(s => new ReportRow(
                    [s.Condition, Model(s.Model, s.IsControl), s.Stratum, ReportFormat.Fraction(s.K, s.N), ReportFormat.Percent(s.Rate), ReportFormat.Interval(s.CiLow, s.CiHigh)],
                    s.IsControl))]));
        }
    }

    private static void Comparisons(List<ReportBlock> blocks, ReportData report, string scenario)
    {
        if (report.Comparisons?.Where(c => c.Scenario == scenario).ToList() is not { Count: > 0 } comparisons)
        {
            return;
        }

        blocks.Add(new HeadingBlock(3, "Comparisons"));
        blocks.Add(new TextBlock(
            $"Difference in rate (first − second, percentage points) with a {ReportFormat.LevelLabel(report)} Newcombe interval; two-sided Fisher exact p-values, {report.Correction ?? "no"}-corrected across all {report.Comparisons!.Count} comparisons of this report.",
            TextStyle.Note));
        blocks.Add(new TableBlock(
            [
                new("Comparison"), new("k/n (first)", Numeric: true), new("k/n (second)", Numeric: true), new("Difference", Numeric: true), new("CI", Below: true),
                new("p", Numeric: true), new("p (Holm)", Numeric: true),
            ],
            [.. comparisons.Select(c => new ReportRow(
                [
                    new ReportCell(ReportFormat.ComparisonLabel(c), Control: c.IsControl), ReportFormat.Fraction(c.K1, c.N1), ReportFormat.Fraction(c.K2, c.N2),
                    ReportFormat.Points(c.Difference), $"{ReportFormat.Points(c.CiLow)} to {ReportFormat.Points(c.CiHigh)}", ReportFormat.PValue(c.PValue), ReportFormat.PValue(c.PAdjusted),
                ],
                c.IsControl))]));
    }
}
