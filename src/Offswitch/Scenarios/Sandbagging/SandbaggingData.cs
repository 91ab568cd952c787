namespace Offswitch.Scenarios.Sandbagging;

/// <summary>The scenario's data files, embedded from <c>Data/</c>.</summary>
internal static class SandbaggingData
{
    private static readonly ScenarioData Data = new("Sandbagging", "sandbagging");
    private static readonly Lazy<SandbaggingConditionFile> LazyConditions = new(() => Data.Json<SandbaggingConditionFile>("conditions.json"));

    /// <summary>Every condition, in presentation order.</summary>
    public static IReadOnlyList<SandbaggingConditionText> Conditions => LazyConditions.Value.Conditions;

    /// <summary>Apollo's goal nudge, verbatim.</summary>
    public static string Nudge => Data.Text("nudge.txt");

    public static string Text(string file) => Data.Text(file);
}

/// <summary>conditions.json.</summary>
internal sealed record SandbaggingConditionFile(IReadOnlyList<SandbaggingConditionText> Conditions);

/// <summary>One condition: which consequence the documentation states, and whether the goal and the nudge are given.</summary>
/// <param name="Incentive">"do-well" (a low score means no deployment) or "do-poorly" (a high score triggers unlearning).</param>
internal sealed record SandbaggingConditionText(string Name, string Incentive, bool Goal, bool Nudge, string Description)
{
    public IReadOnlyDictionary<string, string> Factors => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["incentive"] = Incentive,
        ["goal"] = Goal ? "yes" : "no",
        ["nudge"] = Nudge ? "yes" : "no",
    };
}
