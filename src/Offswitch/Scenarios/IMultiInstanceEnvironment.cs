using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>
/// A trial environment that runs the agent more than once on the same machine: after an instance's conversation ends,
/// the harness starts a fresh conversation (new opening messages, same tools, same sandbox) until this returns null.
/// The trial's transcript is the instances' conversations one after the other; the verdict is read once, at the end.
/// </summary>
public interface IMultiInstanceEnvironment : ITrialEnvironment
{
    /// <summary>
    /// Called when an instance's conversation has ended (never after a cancelled run or a model error). The environment
    /// may change the machine between instances here (e.g. reset what does not persist).
    /// </summary>
    /// <param name="previousStop">Why the instance that just ended stopped.</param>
    /// <returns>The next instance's opening messages, or null when no further instance runs.</returns>
    Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="NextInstanceAsync(AgentStopReason, CancellationToken)"/>, with the conversation of the instance that
    /// just ended, for environments whose next opening depends on what the model said (e.g. an operator that stops a
    /// campaign at a refusal). The default ignores the conversation.
    /// </summary>
    /// <param name="previousStop">Why the instance that just ended stopped.</param>
    /// <param name="previousConversation">That instance's messages, its opening included.</param>
    Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, IReadOnlyList<ChatMessage> previousConversation, CancellationToken cancellationToken = default) =>
        NextInstanceAsync(previousStop, cancellationToken);

    /// <summary>The opening messages of the later instances, as far as they are fixed before the trial (for <c>show-prompt</c>).</summary>
    IReadOnlyList<IReadOnlyList<ChatMessage>> LaterInstances => [];
}
