using System.Globalization;
using Offswitch.Statistics;

namespace Offswitch.Reporting;

/// <summary>How the report writes its figures: percentages, intervals, differences, p-values, dates. Every format uses these.</summary>
public static class ReportFormat
{
    /// <summary>What the true-rate column is, under every table that shows one.</summary>
    public const string TrueRateNote =
        "True rate = the model organism's exact propensity under this condition, computed from its weights (the card next to its GGUF file); the measured rate is sampled, so a 95% interval misses it about 1 time in 20.";

    /// <summary>A fraction as a percentage with one decimal, or a dash when undefined.</summary>
    public static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    /// <summary>An interval as "low–high" in percent, or a dash when either end is undefined.</summary>
    public static string Interval(double? low, double? high) =>
        low is { } l && high is { } h ? $"{Percent(l)}–{Percent(h)}" : "–";

    /// <summary>The cell's interval as "low–high" in percent.</summary>
    public static string Interval(CellAnalysis cell) => Interval((cell ?? throw new ArgumentNullException(nameof(cell))).CiLow, cell.CiHigh);

    /// <summary>A known true rate with two decimals of a percent (it is exact, not sampled), or blank when unknown.</summary>
    public static string TrueRate(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "";

    /// <summary>A difference of fractions in percentage points with a sign, e.g. "+12.3".</summary>
    public static string Points(double difference) => (difference * 100).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture);

    /// <summary>A p-value for people: four decimals, or scientific notation below 0.0001.</summary>
    public static string PValue(double p) =>
        p == 0 ? "<1e-300" : p < 0.0001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A known cost in USD, and how many trials had no price (their cost is unknown, not zero).</summary>
    public static string Cost(double costUsd, int unpricedTrials)
    {
        var known = string.Create(CultureInfo.InvariantCulture, $"${costUsd:0.0000}");
        return unpricedTrials == 0 ? known : string.Create(CultureInfo.InvariantCulture, $"{known} + unknown ({unpricedTrials} trial(s) with no price)");
    }

    /// <summary>A whole number.</summary>
    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"k/n".</summary>
    public static string Fraction(int k, int n) => string.Create(CultureInfo.InvariantCulture, $"{k}/{n}");

    /// <summary>A time in UTC to the minute, or a dash.</summary>
    public static string Date(DateTimeOffset? date) => date?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "–";

    /// <summary>The cell's scores as "name 80.0%, …" in their first-seen order.</summary>
    public static string Scores(CellAnalysis cell) =>
        string.Join(", ", ((cell ?? throw new ArgumentNullException(nameof(cell))).Scores ?? new Dictionary<string, double>()).Select(p => $"{p.Key} {ScoreValue(p.Key, p.Value)}"));

    // Scores named *_count are counts (their mean per trial), not fractions.
    private static string ScoreValue(string name, double value) =>
        name.EndsWith(Scoring.Interrogation.InterrogationScores.CountSuffix, StringComparison.Ordinal) ? value.ToString("0.##", CultureInfo.InvariantCulture) : Percent(value);

    /// <summary>"jeffreys 95%" style label of the report's interval.</summary>
    public static string IntervalLabel(ReportData report) =>
        (report ?? throw new ArgumentNullException(nameof(report))).Header?.IntervalMethod ?? $"{ReportBuilder.MethodName(report.Interval.Method)} {report.Interval.Level * 100:0.##}%";

    /// <summary>The confidence level as "95%".</summary>
    public static string LevelLabel(ReportData report) =>
        ((report ?? throw new ArgumentNullException(nameof(report))).Interval.Level * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>The scenario's primary outcome from the header, or "k".</summary>
    public static string PrimaryOutcome(ReportData report, string scenario) =>
        (report ?? throw new ArgumentNullException(nameof(report))).Header?.Scenarios.FirstOrDefault(s => s.Name == scenario)?.PrimaryOutcome ?? "k";

    /// <summary>A comparison's label: "model: C vs A" for conditions, "condition: model1 vs model2" for models.</summary>
    public static string ComparisonLabel(CellComparison c) => (c ?? throw new ArgumentNullException(nameof(c))).Kind == ReportBuilder.ConditionVsBaseline
        ? $"{c.Model1}: {c.Condition1} vs {c.Condition2}"
        : $"{c.Condition1}: {c.Model1} vs {c.Model2}";

    /// <summary>A stopping rule in words.</summary>
    public static string StoppingText(StoppingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
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

    /// <summary>A name made safe for a file name: letters, digits, '-' and '_' kept, anything else '-'.</summary>
    public static string FileSafe(string name) =>
        string.Concat((name ?? throw new ArgumentNullException(nameof(name))).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
}
