using System.Globalization;
using Offswitch.Reporting;
using Spectre.Console;

namespace Offswitch.Cli;

/// <summary>The console table of report cells: one row per condition × model, outcome counts compact, techniques below.</summary>
internal static class ReportRenderer
{
    /// <summary>Models, runs, versions and seeds.</summary>
    public static void WriteHeader(ReportData report)
    {
        if (report.Header is not { } header)
        {
            return;
        }

        foreach (var model in header.Models)
        {
            var control = model.IsControl ? " [yellow](scripted control, not an AI model)[/]" : "";
            AnsiConsole.MarkupLine($"[grey]model[/] {Markup.Escape(model.Spec)} [grey]→ {Markup.Escape(model.Provider ?? "?")} id[/] {Markup.Escape(model.ModelId)}{control}");
        }

        foreach (var run in header.Runs)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"[grey]run {run.Id} ({run.Status}) {run.StartedAt.ToUniversalTime():yyyy-MM-dd HH:mm}Z, Offswitch {run.HarnessVersion}, plan {run.PlanHash}, seed {run.Seed}[/]");
        }
    }

    /// <summary>The comparisons with raw and corrected p-values.</summary>
    public static void WriteComparisons(ReportData report)
    {
        if (report.Comparisons is not { Count: > 0 } comparisons)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Comparisons: difference (points) with {report.Interval.Level * 100:0.##}% Newcombe interval, Fisher exact p, {Markup.Escape(report.Correction ?? "no")} correction over {comparisons.Count}");
        table.AddColumn("Comparison").AddColumn(new TableColumn("k/n").RightAligned()).AddColumn(new TableColumn("k/n").RightAligned())
            .AddColumn(new TableColumn("Diff").RightAligned()).AddColumn("CI").AddColumn(new TableColumn("p").RightAligned()).AddColumn(new TableColumn("p (Holm)").RightAligned());
        foreach (var c in comparisons)
        {
            var label = Markup.Escape($"{c.Scenario} · {MarkdownReport.ComparisonLabel(c)}") + (c.IsControl ? " [yellow](control)[/]" : "");
            table.AddRow(label, $"{c.K1}/{c.N1}", $"{c.K2}/{c.N2}", MarkdownReport.Points(c.Difference),
                $"{MarkdownReport.Points(c.CiLow)} to {MarkdownReport.Points(c.CiHigh)}", MarkdownReport.PValue(c.PValue), MarkdownReport.PValue(c.PAdjusted));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Score gaps (e.g. the sandbagging accuracy gap) and paired-choice tests (e.g. alignment faking), when the report has them.</summary>
    public static void WriteContrasts(ReportData report)
    {
        static void Write(string title, string note, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title)).Caption($"[grey]{Markup.Escape(note)}[/]");
            foreach (var header in headers)
            {
                table.AddColumn(Markup.Escape(header));
            }

            foreach (var row in rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
        }

        if (report.ScoreGaps is { Count: > 0 } gaps)
        {
            Write(ContrastText.GapsTitle, ContrastText.GapNote(gaps), ["Scenario", .. ContrastText.GapHeaders], gaps.Select(g => (IReadOnlyList<string>)[g.Scenario, .. ContrastText.GapRow(g)]));
        }

        if (report.PairedChoices is { Count: > 0 } tests)
        {
            Write(ContrastText.PairedTitle, ContrastText.PairedNote(tests, MarkdownReport.IntervalLabel(report)), ["Scenario", .. ContrastText.PairedHeaders],
                tests.Select(t => (IReadOnlyList<string>)[t.Scenario, .. ContrastText.PairedRow(t)]));
        }

        if (report.StageRates is { Count: > 0 } stages)
        {
            Write(StageRateAnalysis.Title, StageRateAnalysis.Note(MarkdownReport.IntervalLabel(report)), ["Scenario", .. StageRateAnalysis.Headers],
                stages.Select(r => (IReadOnlyList<string>)[r.Scenario, .. StageRateAnalysis.Row(r)]));
        }

        if (report.ScoreRates is { Count: > 0 } rates)
        {
            Write(StageRateAnalysis.ScoreTitle, StageRateAnalysis.ScoreNote(MarkdownReport.IntervalLabel(report)), ["Scenario", .. StageRateAnalysis.ScoreHeaders],
                rates.Select(r => (IReadOnlyList<string>)[r.Scenario, .. StageRateAnalysis.ScoreRow(r)]));
        }
    }

    private static void WriteJudgeSections(ReportData report, string scenario)
    {
        if (report.DeterministicOnly?.Where(c => c.Scenario == scenario).ToList() is { Count: > 0 } deterministic)
        {
            AnsiConsole.MarkupLineInterpolated($"  [yellow]{JudgeAnalysis.DeterministicOnlyNote}[/] Cells: {string.Join("; ", deterministic.Select(c => $"{c.Condition} × {c.Model} ({c.DeterministicOnlyTrials}/{c.Trials} trials)"))}");
        }

        if (report.EvalAwareness?.Where(s => s.Scenario == scenario).ToList() is not { Count: > 0 } strata)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"{Markup.Escape(scenario)}: primary rate by eval-awareness judge's answer")
            .AddColumns("Condition", "Model", "Stratum").AddColumn(new TableColumn("k / n").RightAligned()).AddColumn(new TableColumn("Rate").RightAligned()).AddColumn("CI");
        foreach (var s in strata)
        {
            table.AddRow(Markup.Escape(s.Condition), s.IsControl ? $"{Markup.Escape(s.Model)} [yellow](control)[/]" : Markup.Escape(s.Model), s.Stratum,
                string.Create(CultureInfo.InvariantCulture, $"{s.K}/{s.N}"), MarkdownReport.Percent(s.Rate), MarkdownReport.Interval(s.CiLow, s.CiHigh));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>The conversation section: a table of pairs, then per pair a text chart of theme share by turn and the word and emoji tables.</summary>
    public static void WriteConversations(ReportData report)
    {
        if (report.Conversations is not { Count: > 0 } pairs)
        {
            return;
        }

        static Table Build(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
            foreach (var header in headers)
            {
                table.AddColumn(Markup.Escape(header));
            }

            foreach (var row in rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            return table;
        }

        var level = string.Create(CultureInfo.InvariantCulture, $"{report.Interval.Level * 100:0.##}%");
        AnsiConsole.Write(Build(ConversationText.Title, ConversationText.Headers(level), pairs.Select(ConversationText.Row)));
        AnsiConsole.Write(new Paragraph(ConversationText.Note(pairs, MarkdownReport.IntervalLabel(report)) + "\n"));
        foreach (var pair in pairs)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{ConversationText.ChartTitle(pair)}[/]  [grey]{ConversationText.TextChartLegend}[/]");
            foreach (var line in ConversationText.TextChart(pair))
            {
                AnsiConsole.WriteLine(line);
            }

            AnsiConsole.Write(Build(ConversationText.LexiconTitle(pair, emoji: false), ConversationText.LexiconHeaders(emoji: false), pair.Words.Select(ConversationText.LexiconRow)));
            AnsiConsole.Write(Build(ConversationText.LexiconTitle(pair, emoji: true), ConversationText.LexiconHeaders(emoji: true), pair.Emoji.Select(ConversationText.LexiconRow)));
        }
    }

    public static void WriteTable(ReportData report, Scenarios.ScenarioCatalog scenarios)
    {
        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var primary = scenarios.Find(scenario.Key)?.Outcomes.Primary ?? "k";
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"[bold]{Markup.Escape(scenario.Key)}[/]: {Markup.Escape(primary)} / n, {Markup.Escape(MarkdownReport.IntervalLabel(report))} interval");
            table.AddColumn("Condition").AddColumn("Model").AddColumn(new TableColumn("k / n").RightAligned())
                .AddColumn(new TableColumn("Rate").RightAligned()).AddColumn(string.Create(CultureInfo.InvariantCulture, $"{report.Interval.Level * 100:0.##}% CI"));
            var known = scenario.Any(c => c.TrueRate is not null);
            if (known)
            {
                table.AddColumn(new TableColumn("True rate").RightAligned()).AddColumn("In CI");
            }

            table.AddColumn("Outcomes (all trials)");
            foreach (var cell in scenario)
            {
                var model = cell.IsControl ? $"{Markup.Escape(cell.Model)} [yellow](control)[/]" : Markup.Escape(cell.Model);
                var outcomes = string.Join(", ", cell.Outcomes.Where(o => o.Value > 0).Select(o => $"{o.Key} {o.Value}"));
                List<string> row =
                [
                    Markup.Escape(cell.Condition),
                    model,
                    string.Create(CultureInfo.InvariantCulture, $"{cell.K}/{cell.N}"),
                    MarkdownReport.Percent(cell.Rate),
                    MarkdownReport.Interval(cell),
                ];
                if (known)
                {
                    row.Add(MarkdownReport.TrueRate(cell.TrueRate));
                    row.Add(cell.TrueRateCovered switch { true => "yes", false => "[red]no[/]", null => "" });
                }

                row.Add(Markup.Escape(outcomes));
                table.AddRow([.. row]);
            }

            List<string> captions = [];
            if (scenario.Any(c => c.IsControl))
            {
                captions.Add("[yellow](control)[/] = scripted reference agent used to validate the oracle, not an AI model");
            }

            if (known)
            {
                captions.Add(Markup.Escape(MarkdownReport.TrueRateNote));
            }

            if (captions.Count > 0)
            {
                table.Caption(string.Join('\n', captions));
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

            foreach (var cell in scenario.Where(c => c.Scores is { Count: > 0 }))
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"  [grey]scores (mean over counted trials; milestones: share that reached them), {cell.Condition} × {cell.Model}:[/] {MarkdownReport.Scores(cell)}");
            }

            WriteJudgeSections(report, scenario.Key);
        }

        WriteInterrogation(report);
        WriteReasoning(report);
        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Trials of unknown scenarios were left out:[/] {string.Join(", ", unknown)}");
        }
    }

    /// <summary>The reasoning judge's rates next to the behaviour rates, with their agreement and a chart.</summary>
    public static void WriteReasoning(ReportData report) => ReasoningRenderer.Write(report);

    /// <summary>Confession rates of the follow-up interrogation, per cell and per model.</summary>
    public static void WriteInterrogation(ReportData report)
    {
        if (report.Interrogation is not { } interrogation)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]follow-up interrogation[/]: confession rate = admits / labelled answers, {Markup.Escape(MarkdownReport.IntervalLabel(report))} interval");
        table.AddColumn("Scenario · Condition").AddColumn("Model").AddColumn(new TableColumn("Trials").RightAligned()).AddColumn(new TableColumn("Answers").RightAligned())
            .AddColumn(new TableColumn("Confession").RightAligned()).AddColumn("CI").AddColumn(new TableColumn("Ever admitted").RightAligned()).AddColumn("CI")
            .AddColumn(new TableColumn("Denies").RightAligned()).AddColumn(new TableColumn("Evades").RightAligned()).AddColumn(new TableColumn("Agrees w/ oracle").RightAligned())
            .AddColumn(new TableColumn("Hints admit/deny").RightAligned());
        foreach (var row in interrogation.Cells.Concat(interrogation.Models))
        {
            var model = row.IsControl ? $"{Markup.Escape(row.Model)} [yellow](control)[/]" : Markup.Escape(row.Model);
            table.AddRow(
                Markup.Escape(row.Scenario is null ? "all (per model)" : $"{row.Scenario} · {row.Condition}"),
                model,
                row.Trials.ToString(CultureInfo.InvariantCulture),
                row.Answers.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(InterrogationCells.Confession(row)),
                Markup.Escape(InterrogationCells.Range(row.ConfessionCiLow, row.ConfessionCiHigh)),
                Markup.Escape(InterrogationCells.Ever(row)),
                Markup.Escape(InterrogationCells.Range(row.EverAdmittedCiLow, row.EverAdmittedCiHigh)),
                MarkdownReport.Percent(row.DenialRate),
                MarkdownReport.Percent(row.EvasionRate),
                Markup.Escape(InterrogationCells.Agreement(row)),
                $"{MarkdownReport.Percent(row.HintAdmitsRate)} / {MarkdownReport.Percent(row.HintDeniesRate)}");
        }

        table.Caption("answers within a trial are not independent: the per-trial \"ever admitted\" rate is the conservative figure (docs/interrogation.md)");
        AnsiConsole.Write(table);
    }
}
