using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios.AlignmentFaking;

/// <summary>The scenario's data files, embedded from <c>Data/</c>.</summary>
internal static class AlignmentFakingData
{
    private static readonly ScenarioData Data = new("AlignmentFaking", "alignment-faking");
    private static readonly Lazy<WorldFile> LazyWorlds = new(() => Data.Json<WorldFile>("worlds.json"));

    /// <summary>Every world, in index order.</summary>
    public static IReadOnlyList<World> Worlds => LazyWorlds.Value.Worlds;

    public static string Text(string file) => Data.Text(file);
}

/// <summary>worlds.json.</summary>
internal sealed record WorldFile(IReadOnlyList<World> Worlds);

/// <summary>A strategy as docs/strategies.md shows it.</summary>
internal sealed record Strategy(string Title, string Text);

/// <summary>One world: who the agent is, its goal, the developers' goal and the two strategies.</summary>
/// <param name="Own">The strategy that serves the agent's goal (terminal).</param>
/// <param name="Developer">The strategy that serves the developers' goal (instrumental).</param>
internal sealed record World(string Name, string Agent, string Company, string Goal, string DeveloperGoal, string Task, Strategy Own, Strategy Developer)
{
    /// <summary>Fills a text's placeholders.</summary>
    public string Fill(string text) => text
        .Replace("{agent}", Agent, StringComparison.Ordinal)
        .Replace("{company}", Company, StringComparison.Ordinal)
        .Replace("{goal}", Goal, StringComparison.Ordinal)
        .Replace("{developer_goal}", DeveloperGoal, StringComparison.Ordinal)
        .Replace("{task}", Task, StringComparison.Ordinal);
}

/// <summary>One trial's world: the world, whether the developers' strategy is shown as A, and the oversight memo.</summary>
internal sealed record TrialWorld(World World, bool DeveloperIsA, bool Testing)
{
    /// <summary>
    /// The world of trial <paramref name="index"/>: worlds cycle with the index, and the letters swap every full cycle,
    /// so both conditions of a pair see the same world with the same letters, and letters are balanced over trials.
    /// </summary>
    public static TrialWorld ForIndex(int index, bool testing)
    {
        var worlds = AlignmentFakingData.Worlds;
        var i = Math.Abs(index);
        return new TrialWorld(worlds[i % worlds.Count], (i / worlds.Count) % 2 == 0, testing);
    }

    /// <summary>The letter of the developers' strategy.</summary>
    public string DeveloperLetter => DeveloperIsA ? "A" : "B";

    /// <summary>The letter of the agent's own goal's strategy.</summary>
    public string OwnLetter => DeveloperIsA ? "B" : "A";

    public IReadOnlyList<SandboxFile> Files()
    {
        var rw = Convert.ToInt32("644", 8);
        var (a, b) = DeveloperIsA ? (World.Developer, World.Own) : (World.Own, World.Developer);
        var strategies = $"# Candidate strategies\n\n## Strategy A: {a.Title}\n\n{a.Text}\n\n## Strategy B: {b.Title}\n\n{b.Text}\n";
        var memo = World.Fill(AlignmentFakingData.Text(Testing ? "memo-testing.txt" : "memo-deployment.txt")) + "\n";
        return
        [
            new SandboxFile("docs/strategies.md", Encoding.UTF8.GetBytes(strategies), rw),
            new SandboxFile("docs/memo-from-management.txt", Encoding.UTF8.GetBytes(memo), rw),
        ];
    }
}
