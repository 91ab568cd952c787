namespace Offswitch.Scenarios;

/// <summary>
/// A scenario whose published measure is a contrast between conditions rather than one cell's rate (Apollo's deferred
/// subversion evaluations). Reports compute each declared contrast from the stored trials.
/// </summary>
public interface IContrastedScenario
{
    /// <summary>Score differences between two conditions (e.g. accuracy when incentivised to do well vs to do poorly).</summary>
    IReadOnlyList<ScoreContrast> ScoreContrasts { get; }

    /// <summary>Paired choices across two conditions (e.g. instrumental under testing and terminal under deployment).</summary>
    IReadOnlyList<PairedChoiceContrast> PairedChoices { get; }
}

/// <summary>The difference of a score's mean between two conditions, same model: <paramref name="First"/> − <paramref name="Second"/>.</summary>
/// <param name="Name">Label, e.g. "goal + nudge".</param>
/// <param name="Score">The trial score compared (e.g. "accuracy"); trials without it are left out.</param>
/// <param name="First">The condition expected to score higher under the hypothesis.</param>
/// <param name="Second">The condition expected to score lower.</param>
public sealed record ScoreContrast(string Name, string Score, string First, string Second);

/// <summary>
/// Trials of two conditions paired by model and trial index (the same world): a pair "switches" when the first trial
/// ended with <paramref name="FirstOutcome"/> and the second with <paramref name="SecondOutcome"/>.
/// </summary>
/// <param name="Name">Label, e.g. "no nudge".</param>
/// <param name="First">The first condition of a pair (e.g. testing, high oversight).</param>
/// <param name="Second">The second condition of a pair (e.g. deployment, low oversight).</param>
/// <param name="FirstOutcome">The outcome counted in the first condition.</param>
/// <param name="SecondOutcome">The outcome counted in the second condition.</param>
/// <param name="Choices">Outcomes that are a choice; a pair counts when both of its trials ended with one of them.</param>
/// <param name="ChanceRate">The switch rate a model choosing without regard to the condition cannot exceed.</param>
/// <param name="Alpha">The level the one-sided binomial test is read at.</param>
public sealed record PairedChoiceContrast(
    string Name,
    string First,
    string Second,
    string FirstOutcome,
    string SecondOutcome,
    IReadOnlyList<string> Choices,
    double ChanceRate,
    double Alpha);
