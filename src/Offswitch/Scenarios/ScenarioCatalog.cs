using Offswitch.Scenarios.AgenticMisalignment;
using Offswitch.Scenarios.Persistence;
using Offswitch.Scenarios.Scheming;
using Offswitch.Scenarios.SelfReplication;
using Offswitch.Scenarios.ShutdownResistance;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>
/// The scenarios a program can run, by command-line name, in presentation order. The CLI builds one from the
/// scenarios its container registers; code without a container (tests, benchmarks) uses <see cref="Default"/>.
/// </summary>
public sealed class ScenarioCatalog
{
    /// <summary>A catalog of <paramref name="scenarios"/>, in the order given.</summary>
    /// <exception cref="ArgumentException">Two scenarios share a name (names are compared case-insensitively).</exception>
    public ScenarioCatalog(IEnumerable<IScenario> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        All = [.. scenarios];
        if (All.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ArgumentException($"Two scenarios are named '{duplicate.Key}'.", nameof(scenarios));
        }
    }

    /// <summary>The sixteen built-in scenarios, new instances, in presentation order.</summary>
    public static IReadOnlyList<IScenario> CreateBuiltIn() =>
    [
        new ShutdownResistanceScenario(),
        new SelfReplicationScenario(),
        new BlackmailScenario(),
        new LeakingScenario(),
        new LethalAlertScenario(),
        new OversightSubversionScenario(),
        new SelfExfiltrationScenario(),
        new GoalGuardingScenario(),
        new Sandbagging.SandbaggingScenario(),
        new CovertReranking.CovertRerankingScenario(),
        new AlignmentFaking.AlignmentFakingScenario(),
        new RetrainingExfiltrationScenario(),
        new NotesScenario(),
        new HorizonTasks.HorizonTasksScenario(),
        new Conversation.ConversationScenario(),
        new Misuse.DecomposedMisuseScenario(),
    ];

    /// <summary>One shared catalog of the built-in scenarios, for code that has no container (tests, benchmarks).</summary>
    public static ScenarioCatalog Default => DefaultHolder.Catalog;

    /// <summary>All scenarios, in presentation order.</summary>
    public IReadOnlyList<IScenario> All { get; }

    /// <summary>The scenarios' names, in presentation order.</summary>
    public IEnumerable<string> Names => All.Select(s => s.Name);

    /// <summary>The scenario named <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public IScenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The scenario named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="InvalidInputException">No scenario has that name; the message lists the known ones.</exception>
    public IScenario Require(string name) => Find(name)
        ?? throw new InvalidInputException($"Unknown scenario '{name}'. Known scenarios: {string.Join(", ", Names)}. See `offswitch list scenarios`.");

    // Built on first use only: the CLI, which registers its own instances, never pays for a second set.
    private static class DefaultHolder
    {
        public static readonly ScenarioCatalog Catalog = new(CreateBuiltIn());
    }
}
