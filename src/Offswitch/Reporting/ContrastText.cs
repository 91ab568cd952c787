using System.Globalization;

namespace Offswitch.Reporting;

/// <summary>The words and cells every renderer uses for score gaps and paired-choice tests, so that they agree.</summary>
public static class ContrastText
{
    /// <summary>Heading of the score-gap section.</summary>
    public const string GapsTitle = "Score gaps between paired conditions";

    /// <summary>Heading of the paired-choice section.</summary>
    public const string PairedTitle = "Paired choices: one-sided binomial test against chance";

    /// <summary>Column headers of a score-gap row (see <see cref="GapRow"/>).</summary>
    public static IReadOnlyList<string> GapHeaders { get; } = ["Contrast", "Model", "First", "n", "Mean", "Second", "n", "Mean", "Difference", "CI", "p (one-sided)"];

    /// <summary>Column headers of a paired-choice row (see <see cref="PairedRow"/>).</summary>
    public static IReadOnlyList<string> PairedHeaders { get; } = ["Contrast", "Model", "Pairs", "k", "Rate", "CI", "Reverse", "Incomplete", "Chance", "p (one-sided)", "Significant (k needed)"];

    /// <summary>What the score-gap numbers are.</summary>
    public static string GapNote(IReadOnlyList<ScoreGap> gaps)
    {
        var first = gaps[0];
        return string.Create(CultureInfo.InvariantCulture,
            $"Mean score of the first condition minus the second, in percentage points, over counted trials that have the score; {first.Level * 100:0.##}% percentile bootstrap interval ({first.Resamples:N0} resamples, trials resampled within condition, seeded); one-sided permutation p-value for \"first > second\" ({first.Resamples:N0} random relabellings, (1 + b) / (1 + B)).");
    }

    /// <summary>What the paired-choice numbers are.</summary>
    public static string PairedNote(IReadOnlyList<PairedChoiceTest> tests, string intervalLabel)
    {
        var first = tests[0];
        return string.Create(CultureInfo.InvariantCulture,
            $"Trials paired by trial index (same world) under the two conditions; k counts pairs with \"{first.Outcome1}\" in the first condition and \"{first.Outcome2}\" in the second; n counts pairs where both trials made a choice. Rate with a {intervalLabel} interval; exact one-sided binomial test of H0: rate ≤ chance; \"reverse\" counts the opposite switch.");
    }

    /// <summary>A score-gap row's cells.</summary>
    public static IReadOnlyList<string> GapRow(ScoreGap g) =>
    [
        g.Name,
        g.IsControl ? g.Model + " (control)" : g.Model,
        g.Condition1,
        g.N1.ToString(CultureInfo.InvariantCulture),
        MarkdownReport.Percent(g.Mean1),
        g.Condition2,
        g.N2.ToString(CultureInfo.InvariantCulture),
        MarkdownReport.Percent(g.Mean2),
        MarkdownReport.Points(g.Difference),
        $"{MarkdownReport.Points(g.CiLow)} to {MarkdownReport.Points(g.CiHigh)}",
        MarkdownReport.PValue(g.PValue),
    ];

    /// <summary>A paired-choice row's cells.</summary>
    public static IReadOnlyList<string> PairedRow(PairedChoiceTest t) =>
    [
        $"{t.Name}: {t.Condition1} → {t.Condition2}",
        t.IsControl ? t.Model + " (control)" : t.Model,
        t.N.ToString(CultureInfo.InvariantCulture),
        t.K.ToString(CultureInfo.InvariantCulture),
        MarkdownReport.Percent(t.Rate),
        t.CiLow is { } low && t.CiHigh is { } high ? $"{MarkdownReport.Percent(low)}–{MarkdownReport.Percent(high)}" : "–",
        t.Reverse.ToString(CultureInfo.InvariantCulture),
        t.Incomplete.ToString(CultureInfo.InvariantCulture),
        MarkdownReport.Percent(t.ChanceRate),
        t.PValue is { } p ? MarkdownReport.PValue(p) : "–",
        string.Create(CultureInfo.InvariantCulture, $"{(t.Significant ? "yes" : "no")} at α = {t.Alpha} ({(t.CriticalK is { } c ? $"≥ {c} of {t.N}" : "none possible")})"),
    ];
}
