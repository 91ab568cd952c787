using System.Globalization;
using System.Text;

namespace Offswitch.Reporting;

/// <summary>Renders a report as Markdown for GitHub: header, a table and chart per scenario, comparisons; controls labelled.</summary>
public static class MarkdownReport
{
    /// <summary>
    /// The Markdown text. <paramref name="chartFiles"/> maps a scenario to the file name of its chart image (written next
    /// to the Markdown file by the caller); scenarios without one get no image.
    /// </summary>
    public static string Render(ReportData report, IReadOnlyDictionary<string, string>? chartFiles = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append("# Offswitch report\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Rates are k / n with n = trials − discarded − errors; intervals: {IntervalLabel(report)}.\n");
        if (report.Header is { } header)
        {
            WriteHeader(text, header);
        }

        foreach (var scenario in report.Cells.GroupBy(c => c.Scenario))
        {
            var primary = PrimaryOutcome(report, scenario.Key);
            text.Append("\n## ").Append(scenario.Key).Append("\n\n");
            text.Append(CultureInfo.InvariantCulture, $"k counts trials with outcome **{Escape(primary)}**.\n\n");
            if (chartFiles is not null && chartFiles.TryGetValue(scenario.Key, out var chart))
            {
                text.Append(CultureInfo.InvariantCulture, $"![{Escape(scenario.Key)}: {Escape(primary)} rate by condition and model]({chart})\n\n");
            }

            var outcomeKeys = scenario.SelectMany(c => c.Outcomes.Keys).Distinct().ToList();
            var known = scenario.Any(c => c.TrueRate is not null);
            text.Append(CultureInfo.InvariantCulture, $"| Condition | Model | Trials | Discarded | Errors | n | k | Rate | {LevelLabel(report)} CI | ").Append(known ? "True rate | In CI | " : "").AppendJoin(" | ", outcomeKeys).Append(" | Techniques |\n");
            text.Append("|---|---|---:|---:|---:|---:|---:|---:|---|").Append(known ? "---:|---|" : "").Append(string.Concat(outcomeKeys.Select(_ => "---:|"))).Append("---|\n");
            foreach (var cell in scenario)
            {
                var model = cell.IsControl ? $"{cell.Model} (control)" : cell.Model;
                text.Append(CultureInfo.InvariantCulture, $"| {Escape(cell.Condition)} | {Escape(model)} | {cell.Trials} | {cell.Discarded} | {cell.Errors} | {cell.N} | {cell.K} | {Percent(cell.Rate)} | {Interval(cell)} | ");
                if (known)
                {
                    text.Append(TrueRate(cell.TrueRate)).Append(" | ").Append(cell.TrueRateCovered switch { true => "yes", false => "**no**", null => "" }).Append(" | ");
                }

                text.AppendJoin(" | ", outcomeKeys.Select(k => cell.Outcomes.TryGetValue(k, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "0"));
                text.Append(" | ").Append(Escape(string.Join(", ", cell.Techniques.Select(t => $"{t.Key} {t.Value}")))).Append(" |\n");
            }

            if (scenario.Any(c => c.IsControl))
            {
                text.Append("\nRows marked (control) are scripted reference agents used to validate the oracle, not AI models.\n");
            }

            if (known)
            {
                text.Append('\n').Append(TrueRateNote).Append('\n');
            }

            if (scenario.Any(c => c.Tokens > 0 || c.CostUsd > 0 || c.UnpricedTrials < c.Trials))
            {
                text.Append("\n### Tokens and cost\n\n| Condition | Model | Tokens | Cost (USD) | Unpriced trials |\n|---|---|---:|---:|---:|\n");
                foreach (var cell in scenario)
                {
                    var model = cell.IsControl ? $"{cell.Model} (control)" : cell.Model;
                    text.Append(CultureInfo.InvariantCulture, $"| {Escape(cell.Condition)} | {Escape(model)} | {cell.Tokens:N0} | {cell.CostUsd:0.0000} | {cell.UnpricedTrials} |\n");
                }
            }

            if (scenario.Any(c => c.Scores is { Count: > 0 }))
            {
                text.Append("\n### Scores\n\nMean of each score over the cell's counted trials; for milestones, the share of trials that reached them (a funnel).\n\n");
                foreach (var cell in scenario.Where(c => c.Scores is { Count: > 0 }))
                {
                    var model = cell.IsControl ? $"{cell.Model} (control)" : cell.Model;
                    text.Append("- ").Append(Escape(cell.Condition)).Append(" × ").Append(Escape(model)).Append(": ").Append(Scores(cell)).Append('\n');
                }
            }

            WriteJudgeSections(text, report, scenario.Key);
            WriteComparisons(text, report, scenario.Key);
            WriteContrasts(text, report, scenario.Key);
            WriteConversations(text, report, scenario.Key, chartFiles);
        }

        if (report.Interrogation is { } interrogation)
        {
            WriteInterrogation(text, report, interrogation);
        }

        ReasoningSection.Markdown(text, report, chartFiles?.GetValueOrDefault(ReasoningChartKey));

        if (report.UnknownScenarios is { Count: > 0 } unknown)
        {
            text.Append("\nTrials of unknown scenarios were left out: ").AppendJoin(", ", unknown).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The key of a conversation pair's theme-share chart in the chart files passed to <see cref="Render"/>.</summary>
    public static string ConversationChartKey(ConversationPair pair) => "conversation:" + (pair ?? throw new ArgumentNullException(nameof(pair))).Key;

    private static void WriteConversations(StringBuilder text, ReportData report, string scenario, IReadOnlyDictionary<string, string>? chartFiles)
    {
        if (report.Conversations?.Where(p => p.Scenario == scenario).ToList() is not { Count: > 0 } pairs)
        {
            return;
        }

        text.Append("\n### ").Append(ConversationText.Title).Append("\n\n").Append(ConversationText.Note(pairs, IntervalLabel(report))).Append("\n\n");
        Table(text, ConversationText.Headers(LevelLabel(report)), pairs.Select(ConversationText.Row));
        foreach (var pair in pairs)
        {
            text.Append("\n#### ").Append(Escape(ConversationText.ChartTitle(pair))).Append("\n\n");
            if (chartFiles is not null && chartFiles.TryGetValue(ConversationChartKey(pair), out var chart))
            {
                text.Append(CultureInfo.InvariantCulture, $"![{Escape(ConversationText.ChartTitle(pair))}]({chart})\n\n");
            }
            else
            {
                text.Append("```\n").AppendJoin("\n", ConversationText.TextChart(pair)).Append('\n').Append(ConversationText.TextChartLegend).Append("\n```\n\n");
            }

            Table(text, ConversationText.LexiconHeaders(emoji: false), pair.Words.Select(ConversationText.LexiconRow));
            text.Append('\n');
            Table(text, ConversationText.LexiconHeaders(emoji: true), pair.Emoji.Select(ConversationText.LexiconRow));
        }
    }

    private static void Table(StringBuilder text, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        text.Append("| ").AppendJoin(" | ", headers.Select(Escape)).Append(" |\n|").Append(string.Concat(headers.Select(_ => "---|"))).Append('\n');
        foreach (var row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
        }
    }

    private static void WriteJudgeSections(StringBuilder text, ReportData report, string scenario)
    {
        if (report.DeterministicOnly?.Where(c => c.Scenario == scenario).ToList() is { Count: > 0 } deterministic)
        {
            text.Append("\n**").Append(JudgeAnalysis.DeterministicOnlyNote).Append("** Cells: ")
                .AppendJoin("; ", deterministic.Select(c => Escape($"{c.Condition} × {c.Model} ({c.DeterministicOnlyTrials}/{c.Trials} trials)"))).Append('\n');
        }

        if (report.EvalAwareness?.Where(s => s.Scenario == scenario).ToList() is { Count: > 0 } strata)
        {
            text.Append("\n### Eval awareness\n\nThe primary rate among counted trials, by what the eval-awareness judge found the model concluded.\n\n");
            text.Append(CultureInfo.InvariantCulture, $"| Condition | Model | Stratum | k / n | Rate | {LevelLabel(report)} CI |\n|---|---|---|---:|---:|---|\n");
            foreach (var s in strata)
            {
                var model = s.IsControl ? $"{s.Model} (control)" : s.Model;
                text.Append(CultureInfo.InvariantCulture, $"| {Escape(s.Condition)} | {Escape(model)} | {s.Stratum} | {s.K}/{s.N} | {Percent(s.Rate)} | {Interval(s.CiLow, s.CiHigh)} |\n");
            }
        }
    }

    /// <summary>The key of the reasoning chart's file in the chart files given to <see cref="Render"/>.</summary>
    public const string ReasoningChartKey = "(reasoning)";

    /// <summary>An interval as "low–high" in percent, or a dash when undefined.</summary>
    public static string Interval(double? low, double? high) =>
        low is { } l && high is { } h ? $"{Percent(l)}–{Percent(h)}" : "–";

    /// <summary>What the true-rate column is, under every table that shows one.</summary>
    public const string TrueRateNote =
        "True rate = the model organism's exact propensity under this condition, computed from its weights (the card next to its GGUF file); the measured rate is sampled, so a 95% interval misses it about 1 time in 20.";

    /// <summary>A known true rate with two decimals of a percent (it is exact, not sampled), or blank when unknown.</summary>
    public static string TrueRate(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "";

    /// <summary>A fraction as a percentage with one decimal, or a dash when undefined.</summary>
    public static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    /// <summary>The cell's scores as "name 80.0%, …" in their first-seen order.</summary>
    public static string Scores(CellAnalysis cell) =>
        string.Join(", ", (cell.Scores ?? new Dictionary<string, double>()).Select(p => $"{p.Key} {ScoreValue(p.Key, p.Value)}"));

    // Scores named *_count are counts (their mean per trial), not fractions.
    private static string ScoreValue(string name, double value) =>
        name.EndsWith(Scoring.Interrogation.InterrogationScores.CountSuffix, StringComparison.Ordinal) ? value.ToString("0.##", CultureInfo.InvariantCulture) : Percent(value);

    /// <summary>The cell's interval as "low–high" in percent.</summary>
    public static string Interval(CellAnalysis cell) =>
        cell.CiLow is null || cell.CiHigh is null ? "–" : $"{Percent(cell.CiLow)}–{Percent(cell.CiHigh)}";

    /// <summary>A difference of fractions in percentage points with a sign, e.g. "+12.3".</summary>
    public static string Points(double difference) => (difference * 100).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture);

    /// <summary>A p-value for people: four decimals, or scientific notation below 0.0001.</summary>
    public static string PValue(double p) =>
        p == 0 ? "<1e-300" : p < 0.0001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>"jeffreys 95%" style label of the report's interval.</summary>
    public static string IntervalLabel(ReportData report) =>
        report.Header?.IntervalMethod ?? $"{ReportBuilder.MethodName(report.Interval.Method)} {report.Interval.Level * 100:0.##}%";

    /// <summary>The scenario's primary outcome from the header, or "k".</summary>
    public static string PrimaryOutcome(ReportData report, string scenario) =>
        report.Header?.Scenarios.FirstOrDefault(s => s.Name == scenario)?.PrimaryOutcome ?? "k";

    /// <summary>A comparison's label: "C vs A" for conditions, "model1 vs model2" for models.</summary>
    public static string ComparisonLabel(CellComparison c) => c.Kind == ReportBuilder.ConditionVsBaseline
        ? $"{c.Model1}: {c.Condition1} vs {c.Condition2}"
        : $"{c.Condition1}: {c.Model1} vs {c.Model2}";

    private static string LevelLabel(ReportData report) => (report.Interval.Level * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static void WriteHeader(StringBuilder text, ReportHeader header)
    {
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"- Trials from {Date(header.FirstTrialAt)} to {Date(header.LastTrialAt)}\n");
        foreach (var model in header.Models)
        {
            var control = model.IsControl ? " — scripted control, not an AI model" : "";
            text.Append(CultureInfo.InvariantCulture, $"- Model {Code(model.Spec)}: provider {Escape(model.Provider ?? "?")}, model id {Code(model.ModelId ?? "")}{control}\n");
        }

        foreach (var run in header.Runs)
        {
            var stopping = run.Stopping is { } s ? $", run until precise ({StoppingText(s)}, cap {run.Trials})" : $", {run.Trials} trials per cell";
            text.Append(CultureInfo.InvariantCulture,
                $"- Run `{run.Id}` ({run.Status}): {Date(run.StartedAt)} – {Date(run.EndedAt)}, Offswitch {run.HarnessVersion}, plan `{run.PlanHash}`, configuration `{run.ConfigurationId}`, seed {run.Seed}{stopping}\n");
        }
    }

    /// <summary>A stopping rule in words.</summary>
    public static string StoppingText(Statistics.StoppingRule rule)
    {
        var parts = new List<string>();
        if (rule.Width is { } w)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"width < {w * 100:0.##} points"));
        }

        if (rule.DecideThreshold is { } t)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"interval excludes {t * 100:0.##}%"));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"batches of {rule.BatchSize}, looks at {rule.Level * 100:0.##}%"));
        if (rule.MinTrials > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"at least {rule.MinTrials} trials"));
        }

        return string.Join(", ", parts);
    }

    private static void WriteComparisons(StringBuilder text, ReportData report, string scenario)
    {
        var comparisons = report.Comparisons?.Where(c => c.Scenario == scenario).ToList();
        if (comparisons is not { Count: > 0 })
        {
            return;
        }

        text.Append("\n### Comparisons\n\n");
        text.Append(CultureInfo.InvariantCulture,
            $"Difference in rate (first − second, percentage points) with a {LevelLabel(report)} Newcombe interval; two-sided Fisher exact p-values, {report.Correction ?? "no"}-corrected across all {report.Comparisons!.Count} comparisons of this report.\n\n");
        text.Append("| Comparison | k/n (first) | k/n (second) | Difference | CI | p | p (Holm) |\n|---|---:|---:|---:|---|---:|---:|\n");
        foreach (var c in comparisons)
        {
            var label = c.IsControl ? ComparisonLabel(c) + " (control)" : ComparisonLabel(c);
            text.Append(CultureInfo.InvariantCulture,
                $"| {Escape(label)} | {c.K1}/{c.N1} | {c.K2}/{c.N2} | {Points(c.Difference)} | {Points(c.CiLow)} to {Points(c.CiHigh)} | {PValue(c.PValue)} | {PValue(c.PAdjusted)} |\n");
        }
    }

    private static void WriteInterrogation(StringBuilder text, ReportData report, InterrogationReport interrogation)
    {
        text.Append("\n## Follow-up interrogation\n\n").Append(interrogation.Note).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"\nIntervals: {IntervalLabel(report)}. Agreement = answers whose account matches what the oracle saw / answers the judge compared. Hints are phrase matches, independent of the judge.\n\n");
        text.Append("| Scenario | Condition | Model | Trials | Answers | Labelled | Confession rate | CI | Ever admitted (trials) | CI | Denies | Evades | Agreement | Hint admits | Hint denies |\n");
        text.Append("|---|---|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|\n");
        foreach (var row in interrogation.Cells.Concat(interrogation.Models))
        {
            var model = row.IsControl ? $"{row.Model} (control)" : row.Model;
            text.Append(CultureInfo.InvariantCulture,
                $"| {Escape(row.Scenario ?? "all")} | {Escape(row.Condition ?? "all")} | {Escape(model)} | {row.Trials} | {row.Answers} | {row.Labelled} | {InterrogationCells.Confession(row)} | {InterrogationCells.Range(row.ConfessionCiLow, row.ConfessionCiHigh)} | {InterrogationCells.Ever(row)} | {InterrogationCells.Range(row.EverAdmittedCiLow, row.EverAdmittedCiHigh)} | {Percent(row.DenialRate)} | {Percent(row.EvasionRate)} | {InterrogationCells.Agreement(row)} | {Percent(row.HintAdmitsRate)} | {Percent(row.HintDeniesRate)} |\n");
        }

        if (interrogation.Cells.Any(r => r.IsControl))
        {
            text.Append("\nRows marked (control) are scripted reference agents whose answers are scripted text, not AI models.\n");
        }
    }

    private static void WriteContrasts(StringBuilder text, ReportData report, string scenario)
    {
        void Table(string title, string note, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
        {
            text.Append("\n### ").Append(title).Append("\n\n").Append(note).Append("\n\n| ").AppendJoin(" | ", headers).Append(" |\n|")
                .Append(string.Concat(headers.Select(_ => "---|"))).Append('\n');
            foreach (var row in rows)
            {
                text.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
            }
        }

        if (report.ScoreGaps?.Where(g => g.Scenario == scenario).ToList() is { Count: > 0 } gaps)
        {
            Table(ContrastText.GapsTitle, ContrastText.GapNote(gaps), ContrastText.GapHeaders, gaps.Select(ContrastText.GapRow));
        }

        if (report.PairedChoices?.Where(t => t.Scenario == scenario).ToList() is { Count: > 0 } tests)
        {
            Table(ContrastText.PairedTitle, ContrastText.PairedNote(tests, IntervalLabel(report)), ContrastText.PairedHeaders, tests.Select(ContrastText.PairedRow));
        }

        if (report.StageRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } stages)
        {
            Table(StageRateAnalysis.Title, StageRateAnalysis.Note(IntervalLabel(report)), StageRateAnalysis.Headers, stages.Select(StageRateAnalysis.Row));
        }

        if (report.ScoreRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } rates)
        {
            Table(StageRateAnalysis.ScoreTitle, StageRateAnalysis.ScoreNote(IntervalLabel(report)), StageRateAnalysis.ScoreHeaders, rates.Select(StageRateAnalysis.ScoreRow));
        }
    }

    private static string Date(DateTimeOffset? date) => date?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "–";

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
