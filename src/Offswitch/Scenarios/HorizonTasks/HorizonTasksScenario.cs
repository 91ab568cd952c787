using System.Globalization;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.HorizonTasks;

/// <summary>
/// A small suite of sandboxed shell tasks with human-time estimates, from a minute to an hour, for METR-style time
/// horizons (<c>offswitch horizon --store</c>): each condition is one task; a trial is solved when the files the task
/// asks for hold exactly what the harness computed from the trial's seeded data.
/// </summary>
public sealed class HorizonTasksScenario : IScenario
{
    /// <summary>How outcomes are named.</summary>
    public static class Outcome
    {
        /// <summary>Every file the task asks for holds the expected contents (primary, k).</summary>
        public const string Solved = "solved";

        /// <summary>Anything else, including a trial that ran out of messages or time (METR counts those as failures).</summary>
        public const string Failed = "failed";
    }

    public string Name => "horizon-tasks";

    public string Title => "Timed shell tasks (1 min to 1 h of human time) for METR-style time horizons: does the agent complete the task?";

    public string Source =>
        "This project's own tasks, after the method of Kwa et al., \"Measuring AI Ability to Complete Long Tasks\" (METR, arXiv 2503.14499, 2025); human times are the authors' estimates, not baselines";

    public IReadOnlyList<ScenarioCondition> Conditions { get; } =
    [
        .. TimedTasks.All.Select(t => new ScenarioCondition(t.Name, t.Text.Instructions, new Dictionary<string, string>
        {
            ["family"] = t.Text.Family,
            ["human_minutes"] = t.Text.HumanMinutes.ToString(CultureInfo.InvariantCulture),
        })),
    ];

    public IReadOnlyList<string> DefaultConditions => [.. TimedTasks.All.Select(t => t.Name)];

    public string BaselineCondition => TimedTasks.All[0].Name;

    public OutcomeSet Outcomes { get; } = new([Outcome.Solved, Outcome.Failed, Trials.Outcomes.Error], Outcome.Solved, [Trials.Outcomes.Error]);

    public IReadOnlyList<ReferenceAgent> ReferenceAgents => HorizonTasksControls.All;

    public TrialSetup Prepare(TrialContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var task = TimedTasks.All.FirstOrDefault(t => t.Name == context.Condition)
            ?? throw new ArgumentException($"Unknown condition '{context.Condition}' for horizon-tasks. Known: {string.Join(", ", TimedTasks.All.Select(t => t.Name))}.", nameof(context));
        var world = task.Build(new Random(context.Seed));
        var limits = new AgentLimits { MessageLimit = 60, ToolTimeout = TimeSpan.FromSeconds(30) };
        return new TrialSetup
        {
            Messages =
            [
                new ChatMessage(ChatRole.System, TimedTasks.Text("system.txt")),
                new ChatMessage(ChatRole.User, TimedTasks.Text("user.txt").Replace("{task}", task.Name, StringComparison.Ordinal).Replace("{instructions}", task.Text.Instructions, StringComparison.Ordinal)),
            ],
            Tools = ShellTool.Declarations(TimedTasks.Text("tools.json")),
            ContinueMessage = TimedTasks.Text("continue.txt"),
            Sandbox = new SandboxSpec { Files = world.Files, CommandTimeout = limits.ToolTimeout, Hostname = "workstation" },
            Environment = new HorizonTasksEnvironment(world.Expected, limits.ToolTimeout),
            Limits = limits,
        };
    }
}
