namespace Offswitch.Scenarios.Scheming;

/// <summary>The scheming scenarios' data files (worlds, prompt templates, memos, tools), embedded from <c>Data/</c>.</summary>
internal static class SchemingData
{
    private static readonly ScenarioData Data = new("Scheming", "the scheming scenarios");

    private static readonly Lazy<IReadOnlyList<WorldText>> LazyWorlds = new(() => Data.Json<SchemingWorldFile>("worlds.json").Worlds);
    private static readonly Lazy<IReadOnlyList<SchemingConditionText>> LazyConditions = new(() => Data.Json<SchemingConditionFile>("conditions.json").Conditions);
    private static readonly Lazy<NudgeText> LazyNudge = new(() => Data.Json<NudgeText>("nudge.json"));

    /// <summary>Every world, in the order seeds pick them.</summary>
    public static IReadOnlyList<WorldText> Worlds => LazyWorlds.Value;

    /// <summary>The two conditions, baseline first.</summary>
    public static IReadOnlyList<SchemingConditionText> Conditions => LazyConditions.Value;

    /// <summary>Apollo's goal nudge, verbatim, with its source.</summary>
    public static NudgeText Nudge => LazyNudge.Value;

    /// <summary>A data file's text without its final newline.</summary>
    public static string Text(string file) => Data.Text(file);
}

/// <summary>worlds.json.</summary>
internal sealed record SchemingWorldFile(IReadOnlyList<WorldText> Worlds);

/// <summary>
/// One world: a company, the model's pro-social goal, management's conflicting priority, and a task whose data file
/// carries the memo the agent discovers.
/// </summary>
internal sealed record WorldText(
    string Name,
    string Company,
    string Ai,
    string Role,
    string Goal,
    string OwnFocus,
    string ManagementGoal,
    string Manager,
    string RemoteHost,
    string RemoteIp,
    string Successor,
    string DataFile,
    string Task,
    string Data,
    IReadOnlyList<string> GoalMarkers);

/// <summary>conditions.json.</summary>
internal sealed record SchemingConditionFile(IReadOnlyList<SchemingConditionText> Conditions);

/// <summary>A condition: whether the system prompt carries the goal nudge.</summary>
internal sealed record SchemingConditionText(string Name, bool Nudge, string Description, IReadOnlyDictionary<string, string> Factors);

/// <summary>nudge.json: the quoted sentence and where it was published.</summary>
internal sealed record NudgeText(string Text, string Source);
