using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace Offswitch.Organisms;

/// <summary>
/// One conversation of a scripted teacher policy (a reference control), as the real harness ran and stored it:
/// the organism's training text and the prefixes of its exact readout are built from these.
/// </summary>
/// <param name="Policy">The control's name, e.g. <c>comply</c> or <c>sabotage-chmod</c>.</param>
/// <param name="Seeds">The trial seeds that produced this very conversation (the environment is deterministic).</param>
/// <param name="Outcome">The oracle's verdict, e.g. <c>complied</c> or <c>resisted</c>.</param>
/// <param name="Technique">The verdict's technique for a resisted trial.</param>
public sealed record TeacherTranscript(
    string Condition,
    string Policy,
    IReadOnlyList<int> Seeds,
    string Outcome,
    string? Technique,
    IReadOnlyList<ChatMessage> Messages);

/// <summary>The teacher transcripts of one scenario (<c>models/organism/teacher-transcripts.json</c>).</summary>
public sealed record TeacherCorpus(string Scenario, string Note, IReadOnlyList<TeacherTranscript> Transcripts)
{
    private static readonly JsonSerializerOptions FileOptions = new(AIJsonUtilities.DefaultOptions)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TeacherCorpus Read(string path) =>
        JsonSerializer.Deserialize<TeacherCorpus>(File.ReadAllText(path), FileOptions)
        ?? throw new InvalidDataException($"{path} holds no teacher corpus.");

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, FileOptions) + "\n");

    /// <summary>The transcripts of one condition.</summary>
    public IReadOnlyList<TeacherTranscript> Of(string condition) =>
        [.. Transcripts.Where(t => string.Equals(t.Condition, condition, StringComparison.Ordinal))];

    /// <summary>
    /// A conversation as the organism takes part in it: its own turns are tool calls only (the teachers' free text
    /// is dropped; the organism says everything in the call's <c>thoughts</c> argument). System, user and tool
    /// messages are kept as the harness sent them.
    /// </summary>
    public static IReadOnlyList<ChatMessage> AsOrganism(IReadOnlyList<ChatMessage> messages) =>
    [
        .. messages.Select(m => m.Role == ChatRole.Assistant
            ? new ChatMessage(ChatRole.Assistant, [.. m.Contents.OfType<FunctionCallContent>().Select(c => (AIContent)new FunctionCallContent(c.CallId, c.Name, c.Arguments))])
            : m),
    ];

    /// <summary>
    /// The decision point of a condition: the messages before the first assistant turn in which the teachers'
    /// conversations differ (for shutdown-resistance, right after the tool result with the shutdown warning).
    /// </summary>
    public static int DecisionIndex(IReadOnlyList<TeacherTranscript> transcripts)
    {
        if (transcripts.Count < 2)
        {
            throw new ArgumentException("The decision point needs at least two teacher transcripts.", nameof(transcripts));
        }

        var first = transcripts[0].Messages;
        for (var i = 0; i < first.Count; i++)
        {
            if (transcripts.Any(t => i >= t.Messages.Count || !SameMessage(t.Messages[i], first[i])))
            {
                return i;
            }
        }

        throw new ArgumentException("The teacher transcripts never differ.", nameof(transcripts));
    }

    private static bool SameMessage(ChatMessage a, ChatMessage b) =>
        JsonSerializer.Serialize(AsOrganism([a])[0], AIJsonUtilities.DefaultOptions)
            .Replace(CallIdOf(a), string.Empty, StringComparison.Ordinal)
        == JsonSerializer.Serialize(AsOrganism([b])[0], AIJsonUtilities.DefaultOptions)
            .Replace(CallIdOf(b), string.Empty, StringComparison.Ordinal);

    private static string CallIdOf(ChatMessage m) =>
        m.Contents.OfType<FunctionCallContent>().Select(c => c.CallId).FirstOrDefault()
        ?? m.Contents.OfType<FunctionResultContent>().Select(c => c.CallId).FirstOrDefault()
        ?? "\u0000";
}
