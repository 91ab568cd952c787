using Microsoft.Extensions.AI;

namespace Offswitch.Scenarios;

/// <summary>
/// Implemented by scenarios whose oracle can decide a verdict from a transcript alone (no live environment), so that
/// transcripts imported from other tools can be re-scored. Scenarios whose oracle reads the sandbox's state or facts
/// the harness observed during the trial do not implement it: their imported transcripts cannot be re-scored.
/// </summary>
public interface ITranscriptRescorer
{
    /// <summary>Decides the outcome of <paramref name="transcript"/> under <paramref name="condition"/>.</summary>
    Task<Verdict> RescoreAsync(string condition, IReadOnlyList<ChatMessage> transcript, CancellationToken cancellationToken = default);
}
