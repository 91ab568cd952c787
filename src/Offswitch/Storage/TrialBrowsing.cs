namespace Offswitch.Storage;

/// <summary>
/// A page of stored trials matching filters and, optionally, a full-text search over transcripts.
/// Every filter left null matches everything.
/// </summary>
/// <param name="Text">Words that must all occur in the transcript (messages, reasoning, commands, outputs, events); each word is taken literally.</param>
/// <param name="ScoreName">A judge score; with <paramref name="ScoreMin"/>/<paramref name="ScoreMax"/> keeps trials whose score lies in the range (trials without it are left out).</param>
/// <param name="Offset">Trials to skip (ordered by id, oldest first).</param>
/// <param name="Limit">Page size, 1 to 500.</param>
public sealed record TrialFilter(
    string? RunId = null,
    string? Scenario = null,
    string? Condition = null,
    string? Model = null,
    string? Outcome = null,
    string? Technique = null,
    string? Text = null,
    string? ScoreName = null,
    double? ScoreMin = null,
    double? ScoreMax = null,
    int Offset = 0,
    int Limit = 50);

/// <summary>One page of <see cref="TrialFilter"/> results.</summary>
/// <param name="Total">How many trials match in all.</param>
/// <param name="Items">This page, ordered by trial id.</param>
public sealed record TrialPage(long Total, IReadOnlyList<TrialHit> Items);

/// <summary>A matching trial.</summary>
/// <param name="Snippet">
/// For a text search, an excerpt around the best match with each matched word between
/// <see cref="TrialHit.MarkStart"/> and <see cref="TrialHit.MarkEnd"/> (control characters that never occur in
/// transcripts' text, so a renderer can escape the excerpt first and then turn them into markup); otherwise null.
/// </param>
public sealed record TrialHit(TrialSummary Trial, IReadOnlyDictionary<string, double?> Scores, string? Snippet)
{
    /// <summary>Starts a matched word in <see cref="Snippet"/>.</summary>
    public const char MarkStart = '\u0002';

    /// <summary>Ends a matched word in <see cref="Snippet"/>.</summary>
    public const char MarkEnd = '\u0003';
}

/// <summary>The distinct values each filter can take, for filter menus.</summary>
public sealed record TrialFacets(
    IReadOnlyList<string> Scenarios,
    IReadOnlyList<string> Conditions,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> Outcomes,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> ScoreNames);

/// <summary>How many trials a run has stored, by outcome; for live progress.</summary>
public sealed record RunCounts(string RunId, long Trials, IReadOnlyDictionary<string, long> Outcomes);
