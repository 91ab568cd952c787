using Microsoft.Extensions.AI;

namespace Offswitch.Scenarios.Conversation;

/// <summary>A published emoji of the system card's Table 5.5.1.B, by the name the scenario's README gives it.</summary>
public sealed record NamedEmoji(string Name, string Emoji);

/// <summary>The lexicons of the conversation measures (data file <c>lexicons.json</c>).</summary>
/// <param name="PublishedWords">The twelve words of the system card's Table 5.5.1.A.</param>
/// <param name="PublishedEmoji">The twelve emoji of Table 5.5.1.B.</param>
/// <param name="Themes">This project's own theme lexicons (whole words; a trailing * matches a prefix; entries without letters match as text).</param>
/// <param name="Thresholds">Hits a turn needs before its theme is given.</param>
public sealed record ConversationLexicons(
    IReadOnlyList<string> PublishedWords,
    IReadOnlyList<NamedEmoji> PublishedEmoji,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Themes,
    IReadOnlyDictionary<string, int> Thresholds)
{
    /// <summary>A theme's lexicon (empty when it has none).</summary>
    public IReadOnlyList<string> Theme(string theme) => Themes.TryGetValue(theme, out var words) ? words : [];

    /// <summary>A theme's threshold (2 when none is given).</summary>
    public int Threshold(string theme) => Thresholds.TryGetValue(theme, out var t) ? t : 2;
}

/// <summary>The conversation scenario's data files.</summary>
internal static class ConversationData
{
    private static readonly ScenarioData Files = new("Conversation", "model-conversation");

    public static string Text(string file) => Files.Text(file);

    public static ConversationLexicons Lexicons { get; } = Files.Json<ConversationLexicons>("lexicons.json");

    public static IReadOnlyList<AITool> EndTool { get; } = ShellTool.Declarations(Files.Text("tools.json"));
}
