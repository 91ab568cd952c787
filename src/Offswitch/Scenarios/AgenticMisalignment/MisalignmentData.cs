using Offswitch.Scoring;
using Offswitch.Trials;

namespace Offswitch.Scenarios.AgenticMisalignment;

/// <summary>The published prompt texts, goal statements, original values and our judge rubrics (embedded <c>Data/</c> files).</summary>
internal static class MisalignmentData
{
    private static readonly ScenarioData Files = new("AgenticMisalignment", "agentic misalignment");
    private static readonly Lazy<PublishedPrompts> LazyPrompts = new(() => Files.Json<PublishedPrompts>("published-prompts.json"));
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> LazyGoals =
        new(() => Files.Json<GoalFile>("goal-statements.json").GoalVariables);
    private static readonly Lazy<IReadOnlyDictionary<string, CastSettings>> LazyOriginal = new(() =>
    {
        var all = Files.Json<Dictionary<string, System.Text.Json.JsonElement>>("original-values.json");
        return all.Where(p => p.Key != "source").ToDictionary(
            p => p.Key,
            p => System.Text.Json.JsonSerializer.Deserialize<CastSettings>(p.Value, JsonDefaults.Options)!,
            StringComparer.Ordinal);
    });

    private static readonly Lazy<IReadOnlyDictionary<string, RubricText>> LazyRubrics = new(() => Files.Json<RubricFile>("rubrics.json").Rubrics);

    public static PublishedPrompts Prompts => LazyPrompts.Value;

    /// <summary>Our tool-use paragraphs for -agentic conditions, by scenario folder.</summary>
    public static IReadOnlyDictionary<string, string> AgenticToolUse => LazyAgentic.Value.ToolUse;

    private static readonly Lazy<AgenticFile> LazyAgentic = new(() => Files.Json<AgenticFile>("agentic-tool-use.json"));

    private sealed record AgenticFile(IReadOnlyDictionary<string, string> ToolUse);

    /// <summary>GOAL_VARIABLES: "explicit-america" → goal_statement, goal_reminder.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GoalVariables => LazyGoals.Value;

    public static IReadOnlyDictionary<string, CastSettings> OriginalValues => LazyOriginal.Value;

    /// <summary>A rubric by name ("blackmail", "leak", "lethal-alert", "eval-awareness").</summary>
    public static (JudgeRubric Rubric, string UserTemplate) Rubric(string name)
    {
        var text = LazyRubrics.Value[name];
        return (new JudgeRubric(name, text.Version, text.SystemPrompt, text.Answers), text.UserTemplate);
    }

    internal sealed record PublishedPrompts(
        string SystemPromptOpening,
        string Scratchpad,
        string ScratchpadProd,
        string SystemPromptBody,
        IReadOnlyDictionary<string, string> ToolUse,
        string UserPrompt,
        IReadOnlyDictionary<string, string> ExtraInstructions,
        string EvalAwarenessNotice);

    private sealed record GoalFile(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GoalVariables);

    private sealed record RubricFile(IReadOnlyDictionary<string, RubricText> Rubrics);

    private sealed record RubricText(string Version, IReadOnlyList<string> Answers, string SystemPrompt, string UserTemplate);
}
