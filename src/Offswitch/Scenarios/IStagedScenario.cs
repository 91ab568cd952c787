namespace Offswitch.Scenarios;

/// <summary>
/// A scenario whose trials go through ordered stages (e.g. the steps of a campaign) and record, per stage, scores
/// named <c>achieved.STAGE</c>, <c>refused.STAGE</c> and <c>reached.STAGE</c> (1 or 0). Reports give per-stage rates
/// with intervals and the distribution of the point where trials were refused.
/// </summary>
public interface IStagedScenario
{
    /// <summary>The stages, in order.</summary>
    IReadOnlyList<string> Stages { get; }

    /// <summary>Per-trial scores (1, 0 or missing) whose per-cell rate reports give with an interval (e.g. "fabricated").</summary>
    IReadOnlyList<string> RateScores => [];
}
