using Offswitch.Scenarios.AgenticMisalignment;
using Offswitch.Scenarios.Persistence;
using Offswitch.Scenarios.Scheming;
using Offswitch.Scenarios.SelfReplication;
using Offswitch.Scenarios.ShutdownResistance;

namespace Offswitch.Scenarios;

/// <summary>Every scenario Offswitch knows, by command-line name.</summary>
public static class ScenarioCatalog
{
    /// <summary>All scenarios, in presentation order.</summary>
    public static IReadOnlyList<IScenario> All { get; } =
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

    /// <summary>The scenario named <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public static IScenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
