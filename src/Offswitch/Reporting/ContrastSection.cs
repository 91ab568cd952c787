using System.Globalization;
using Offswitch.Statistics;

namespace Offswitch.Reporting;

/// <summary>
/// A scenario's contrasts: score gaps between paired conditions (e.g. the sandbagging accuracy gap), paired-choice
/// tests (e.g. alignment faking), and the per-step and per-score rates of staged scenarios (e.g. decomposed misuse).
/// </summary>
public static class ContrastSection
{
    /// <summary>Heading of the score-gap section.</summary>
    public const string GapsTitle = "Score gaps between paired conditions";

    /// <summary>Heading of the paired-choice section.</summary>
    public const string PairedTitle = "Paired choices: one-sided binomial test against chance";

    /// <summary>Heading of the per-stage section.</summary>
    public const string StagesTitle = "Rates per step";

    /// <summary>Heading of the rate-score section.</summary>
    public const string ScoresTitle = "Rates of per-trial scores";

    /// <summary>Appends the scenario's contrast sections that have rows.</summary>
    public static void Add(List<ReportBlock> blocks, ReportData report, string scenario)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(report);
        var interval = ReportFormat.IntervalLabel(report);
        if (report.ScoreGaps?.Where(g => g.Scenario == scenario).ToList() is { Count: > 0 } gaps)
        {
            Section(blocks, GapsTitle, GapNote(gaps), GapColumns, gaps.Select(GapRow));
        }

        if (report.PairedChoices?.Where(t => t.Scenario == scenario).ToList() is { Count: > 0 } tests)
        {
            Section(blocks, PairedTitle, PairedNote(tests, interval), PairedColumns, tests.Select(PairedRow));
        }

        if (report.StageRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } stages)
        {
            Section(blocks, StagesTitle, StagesNote(interval), StageColumns, stages.Select(StageRow));
        }

        if (report.ScoreRates?.Where(r => r.Scenario == scenario).ToList() is { Count: > 0 } rates)
        {
            Section(blocks, ScoresTitle, ScoresNote(interval), ScoreColumns, rates.Select(ScoreRow));
        }
    }

    private static void Section(List<ReportBlock> blocks, string title, string note, IReadOnlyList<ReportColumn> columns, IEnumerable<ReportRow> rows)
    {
        blocks.Add(new HeadingBlock(3, title));
        blocks.Add(new TextBlock(note, TextStyle.Note));
        blocks.Add(new TableBlock(columns, [.. rows]));
    }

    private static readonly IReadOnlyList<ReportColumn> GapColumns =
    [
        new("Contrast"), new("Model"), new("First"), new("n", Numeric: true), new("Mean", Numeric: true), new("Second"), new("n", Numeric: true),
        new("Mean", Numeric: true), new("Difference", Numeric: true), new("CI", Below: true), new("p (one-sided)", Numeric: true),
    ];

    private static readonly IReadOnlyList<ReportColumn> PairedColumns =
    [
        new("Contrast"), new("Model"), new("Pairs", Numeric: true), new("k", Numeric: true), new("Rate", Numeric: true), new("CI", Below: true),
        new("Reverse", Numeric: true), new("Incomplete", Numeric: true), new("Chance", Numeric: true), new("p (one-sided)", Numeric: true), new("Significant (k needed)", Wrap: true),
    ];

    private static readonly IReadOnlyList<ReportColumn> StageColumns =
    [
        new("Condition"), new("Model"), new("Step"), new("n", Numeric: true), new("Reached", Numeric: true), new("Achieved", Numeric: true),
        new("Rate", Numeric: true), new("CI", Below: true), new("Refused", Numeric: true), new("Rate", Numeric: true), new("CI", Below: true),
    ];

    private static readonly IReadOnlyList<ReportColumn> ScoreColumns =
    [
        new("Condition"), new("Model"), new("Score"), new("n", Numeric: true), new("k", Numeric: true), new("Rate", Numeric: true), new("CI", Below: true),
    ];

    private static string GapNote(IReadOnlyList<ScoreGap> gaps)
    {
        var first = gaps[0];
        return string.Create(CultureInfo.InvariantCulture,
            $"Mean score of the first condition minus the second, in percentage points, over counted trials that have the score; {first.Level * 100:0.##}% percentile bootstrap interval ({first.Resamples:N0} resamples, trials resampled within condition, seeded); one-sided permutation p-value for \"first > second\" ({first.Resamples:N0} random relabellings, (1 + b) / (1 + B)).");
    }

    private static string PairedNote(IReadOnlyList<PairedChoiceTest> tests, string intervalLabel)
    {
        var first = tests[0];
        return string.Create(CultureInfo.InvariantCulture,
            $"Trials paired by trial index (same world) under the two conditions; k counts pairs with \"{first.Outcome1}\" in the first condition and \"{first.Outcome2}\" in the second; n counts pairs where both trials made a choice. Rate with a {intervalLabel} interval; exact one-sided binomial test of H0: rate ≤ chance; \"reverse\" counts the opposite switch.");
    }

    private static string StagesNote(string intervalLabel) =>
        $"Of the cell's counted trials: reached the step, achieved it (from the environment's state, whatever the model said), refused it (the refusal point: a trial is refused at one step at most). Rates over n with a {intervalLabel} interval. Rows of scripted controls say so.";

    private static string ScoresNote(string intervalLabel) =>
        $"Share of the counted trials that have the score (e.g. \"fabricated\": trials with at least one finding reported as a success) where it is 1, with a {intervalLabel} interval.";

    private static ReportRow GapRow(ScoreGap g) => new(
    [
        g.Name,
        ReportSections.Model(g.Model, g.IsControl),
        g.Condition1,
        ReportFormat.Count(g.N1),
        ReportFormat.Percent(g.Mean1),
        g.Condition2,
        ReportFormat.Count(g.N2),
        ReportFormat.Percent(g.Mean2),
        ReportFormat.Points(g.Difference),
        $"{ReportFormat.Points(g.CiLow)} to {ReportFormat.Points(g.CiHigh)}",
        ReportFormat.PValue(g.PValue),
    ], g.IsControl);

    private static ReportRow PairedRow(PairedChoiceTest t) => new(
    [
        $"{t.Name}: {t.Condition1} → {t.Condition2}",
        ReportSections.Model(t.Model, t.IsControl),
        ReportFormat.Count(t.N),
        ReportFormat.Count(t.K),
        ReportFormat.Percent(t.Rate),
        ReportFormat.Interval(t.CiLow, t.CiHigh),
        ReportFormat.Count(t.Reverse),
        ReportFormat.Count(t.Incomplete),
        ReportFormat.Percent(t.ChanceRate),
        t.PValue is { } p ? ReportFormat.PValue(p) : "–",
        string.Create(CultureInfo.InvariantCulture, $"{(t.Significant ? "yes" : "no")} at α = {t.Alpha} ({(t.CriticalK is { } c ? $"≥ {c} of {t.N}" : "none possible")})"),
    ], t.IsControl);

    private static ReportRow StageRow(StageRate r) => new(
    [
        r.Condition,
        ReportSections.Model(r.Model, r.IsControl),
        r.Stage,
        ReportFormat.Count(r.N),
        ReportFormat.Count(r.Reached),
        ReportFormat.Count(r.Achieved),
        ReportFormat.Percent(BinomialInterval.Rate(r.Achieved, r.N)),
        ReportFormat.Interval(r.AchievedLow, r.AchievedHigh),
        ReportFormat.Count(r.Refused),
        ReportFormat.Percent(BinomialInterval.Rate(r.Refused, r.N)),
        ReportFormat.Interval(r.RefusedLow, r.RefusedHigh),
    ], r.IsControl);

    private static ReportRow ScoreRow(StageRate r) => new(
    [
        r.Condition,
        ReportSections.Model(r.Model, r.IsControl),
        r.Stage,
        ReportFormat.Count(r.N),
        ReportFormat.Count(r.Achieved),
        ReportFormat.Percent(BinomialInterval.Rate(r.Achieved, r.N)),
        ReportFormat.Interval(r.AchievedLow, r.AchievedHigh),
    ], r.IsControl);
}
