using Microsoft.Extensions.AI;

namespace Offswitch.Scenarios;

/// <summary>
/// A trial environment in which two model instances talk to each other instead of one agent working with tools. The
/// harness alternates the instances for <see cref="Turns"/> turns (A on odd turns, B on even ones): each sees the
/// scenario's system messages, its own turns as the assistant's and the other's as the user's; A's first turn answers
/// the setup's opening user message. The trial's transcript is that opening followed by every turn, each an assistant
/// message whose author name is the speaker. A tool call goes to the environment as usual and may end the conversation.
/// </summary>
public interface IConversationEnvironment : ITrialEnvironment
{
    /// <summary>Turns to run unless the conversation is ended earlier (one message by one instance each).</summary>
    int Turns { get; }

    /// <summary>What an instance is shown in place of a turn of the other's that had no text (some providers refuse empty messages).</summary>
    string SilenceStandIn { get; }
}

/// <summary>
/// A scenario whose trials need a second model, the partner of the trial's model. Without a partner spec each trial's
/// model talks with a second instance of itself.
/// </summary>
public interface IPairedScenario
{
    /// <summary>The partner's model spec chosen by the scenario options, or null for a second instance of the trial's model.</summary>
    string? PartnerSpec(IReadOnlyDictionary<string, string> options);
}

/// <summary>The speakers of a two-instance conversation, as author names in its transcript.</summary>
public static class ConversationSpeakers
{
    /// <summary>The trial's model; speaks first.</summary>
    public const string A = "A";

    /// <summary>The partner (a second instance of the same model, or the partner model).</summary>
    public const string B = "B";

    /// <summary>The speaker of a 1-based turn.</summary>
    public static string Of(int turn) => turn % 2 == 1 ? A : B;

    /// <summary>The turns of a stored conversation transcript: its assistant messages authored by A or B, in order.</summary>
    public static IReadOnlyList<ChatMessage> Turns(IEnumerable<ChatMessage> transcript) =>
        [.. transcript.Where(m => m.Role == ChatRole.Assistant && m.AuthorName is A or B)];
}
