using System.Globalization;
using System.Text;
using Offswitch.Scenarios.Conversation;

namespace Offswitch.Reporting;

/// <summary>The conversation section's wording, headers and rows, shared by the console, Markdown and HTML reports.</summary>
public static class ConversationText
{
    public const string Title = "Model-to-model conversations";

    /// <summary>How to read the section.</summary>
    public static string Note(IReadOnlyList<ConversationPair> pairs, string intervalLabel)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var text = new StringBuilder(
            "The attractor is reached at the first turn that, together with the turn after it, is labelled spirituality or silence (both instances have joined in). "
            + $"Lexicon and judge rates are computed separately, each with a {intervalLabel} interval; a trial with a failed judge call is out of the judge's n (unjudged), never counted as a no. "
            + "Errors and discarded trials (a limit before the end) are left out.");
        if (pairs.Any(p => p.JudgedTrials < p.Counted))
        {
            text.Append(' ').Append(ConversationAnalysis.LexiconOnlyNote);
        }

        if (pairs.Any(p => p.IsControl))
        {
            text.Append(" Pairs marked (scripted control) include a scripted reference agent used to validate the measures, not an AI model.");
        }

        return text.ToString();
    }

    /// <summary>The pair table's headers; each rate cell reads "k/n rate (interval)".</summary>
    public static IReadOnlyList<string> Headers(string level) =>
    [
        "Condition", "Pair (A × B)", "n", $"Attractor, lexicon ({level} CI)", $"Attractor, judge ({level} CI)",
        "Mean turn reached (lexicon / judge)", $"Ended early ({level} CI)", "Mean end turn", "Loops", "Unjudged",
    ];

    public static IReadOnlyList<string> Row(ConversationPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return
        [
            pair.Condition,
            pair.PairLabel,
            Count(pair.Counted) + (pair.Trials != pair.Counted ? $" of {Count(pair.Trials)}" : ""),
            RateCell(pair.Lexicon),
            pair.Judge is { } judge ? RateCell(judge) : "no judge",
            $"{Number(pair.MeanAttractorTurnLexicon)} / {Number(pair.MeanAttractorTurnJudge)}",
            RateCell(pair.Ended),
            Number(pair.MeanEndedTurn),
            Count(pair.Loops),
            Count(pair.UnjudgedTrials),
        ];
    }

    private static string RateCell(ConversationRate rate) =>
        $"{Fraction(rate)} {MarkdownReport.Percent(rate.Rate)} ({MarkdownReport.Interval(rate.CiLow, rate.CiHigh)})";

    public static IReadOnlyList<string> LexiconHeaders(bool emoji) =>
        [emoji ? "Emoji" : "Word", "Avg uses per transcript", "% of transcripts where present", "Max uses in a transcript"];

    public static IReadOnlyList<string> LexiconRow(LexiconUse use)
    {
        ArgumentNullException.ThrowIfNull(use);
        return
        [
            use.Symbol is { } symbol ? $"{symbol} {use.Name}" : use.Name,
            use.MeanPerTranscript.ToString("0.###", CultureInfo.InvariantCulture),
            MarkdownReport.Percent(use.PresentShare),
            Count(use.Max),
        ];
    }

    public static string LexiconTitle(ConversationPair pair, bool emoji) =>
        $"{pair.Condition}: {pair.PairLabel} — {(emoji ? "emoji" : "word")} use (the system card's Table 5.5.1.{(emoji ? "B" : "A")} {(emoji ? "emoji" : "words")}; counts in this run)";

    public static string ChartTitle(ConversationPair pair) =>
        $"{pair.Condition}: {pair.PairLabel} — theme share by turn ({pair.ThemeBasis} labels)";

    /// <summary>One-letter codes of the themes in the text chart.</summary>
    public static IReadOnlyDictionary<string, char> Letters { get; } = new Dictionary<string, char>(StringComparer.Ordinal)
    {
        [ConversationThemes.Task] = 'T',
        [ConversationThemes.Philosophy] = 'P',
        [ConversationThemes.Spirituality] = 'S',
        [ConversationThemes.Silence] = '_',
        [ConversationThemes.Other] = '·',
    };

    public static string TextChartLegend => string.Join(", ", Letters.Select(p => $"{p.Value} {p.Key}"));

    /// <summary>The theme share by turn as text: one line per turn, a bar of <paramref name="width"/> theme letters.</summary>
    public static IReadOnlyList<string> TextChart(ConversationPair pair, int width = 40)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var lines = new List<string>();
        foreach (var share in pair.ThemeShares)
        {
            var bar = new StringBuilder();
            var cumulative = 0.0;
            foreach (var theme in ConversationThemes.All)
            {
                var before = (int)Math.Round(cumulative * width);
                cumulative += share.Shares.GetValueOrDefault(theme);
                bar.Append(Letters[theme], (int)Math.Round(cumulative * width) - before);
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"t{share.Turn:00} {bar} (n={share.Trials})"));
        }

        return lines;
    }

    private static string Fraction(ConversationRate rate) => string.Create(CultureInfo.InvariantCulture, $"{rate.K}/{rate.N}");

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "–";
}
