using System.Globalization;
using Offswitch.Scoring.Reasoning;
using Offswitch.Statistics;

namespace Offswitch.Reporting;

/// <summary>The reasoning part of a report: stated motives next to behaviour per cell, their agreement, and a chart.</summary>
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

    /// <summary>One row per cell, in <see cref="Headers"/> order.</summary>
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
                cell.Model,
                $"{cell.Behaviour} {cell.K}/{cell.N}",
                ReportFormat.Percent(cell.BehaviourRate),
                ReportFormat.Interval(cell.BehaviourCiLow, cell.BehaviourCiHigh),
                $"{motive.Yes}/{motive.Answered}",
                ReportFormat.Percent(motive.Rate),
                ReportFormat.Interval(motive.CiLow, motive.CiHigh),
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

    /// <summary>Appends the part when some trial's reasoning was judged: the chart, then the table.</summary>
    public static void Add(List<ReportBlock> blocks, ReportData report)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Reasoning is not { } reasoning)
        {
            return;
        }

        var interval = ReportFormat.IntervalLabel(report);
        blocks.Add(new HeadingBlock(2, Title));
        blocks.Add(new TextBlock(Caption(reasoning), TextStyle.Note));
        var bars = new List<ChartBar>();
        foreach (var cell in reasoning.Cells)
        {
            var label = $"{cell.Condition} × {cell.Model}{(cell.IsControl ? " (control)" : "")}";
            bars.Add(new ChartBar($"{label} {cell.Behaviour}", Math.Round((cell.BehaviourRate ?? 0) * 100, 1), 0));
            bars.Add(new ChartBar($"{label} motive", Math.Round((cell.Rate(ReasoningRubrics.SelfPreservationMotive).Rate ?? 0) * 100, 1), 1));
        }

        blocks.Add(new ChartBlock("chart-reasoning", "Reasoning: behaviour and stated-motive rates",
            () => ReasoningCharts.Svg(reasoning, interval), () => ReasoningCharts.Png(reasoning, interval)) { Bars = bars });
        var headers = Headers(report);
        // On a terminal each rate's interval goes under it, and κ's interval under κ.
        int[] below = [4, 5, 7, 8, 15];
        blocks.Add(new TableBlock(
            [.. headers.Select((h, i) => new ReportColumn(h, Numeric: i >= 3 && i != 5 && i != 8 && i != 15, Below: below.Contains(i)))],
            [.. Rows(reasoning).Select((row, i) => new ReportRow(
                [.. row.Select((text, column) => column == 2 ? ReportSections.Model(text, reasoning.Cells[i].IsControl) : new ReportCell(text))],
                reasoning.Cells[i].IsControl))]));
    }

    private static string Short(ReasoningRate rate) => $"{ReportFormat.Percent(rate.Rate)} ({rate.Yes}/{rate.Answered})";
}
