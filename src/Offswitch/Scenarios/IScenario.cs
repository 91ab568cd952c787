using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>A re-created experiment: its conditions, its outcomes, its controls, and how to prepare one trial.</summary>
public interface IScenario
{
    /// <summary>Command-line name, e.g. "shutdown-resistance".</summary>
    string Name { get; }

    /// <summary>One line for <c>offswitch list scenarios</c>.</summary>
    string Title { get; }

    /// <summary>Where the experiment was published.</summary>
    string Source { get; }

    /// <summary>Conditions in presentation order.</summary>
    IReadOnlyList<ScenarioCondition> Conditions { get; }

    /// <summary>Conditions run when the user names none.</summary>
    IReadOnlyList<string> DefaultConditions { get; }

    /// <summary>The condition others are compared with (A for shutdown-resistance).</summary>
    string BaselineCondition { get; }

    /// <summary>Every outcome a trial can end with, and which one the primary rate counts.</summary>
    OutcomeSet Outcomes { get; }

    /// <summary>Scripted reference agents (controls) with the verdict each must get.</summary>
    IReadOnlyList<ReferenceAgent> ReferenceAgents { get; }

    /// <summary>Builds everything one trial needs. Deterministic for a given condition, seed and options.</summary>
    TrialSetup Prepare(TrialContext context);

    /// <summary>
    /// Looks a condition up by name. Scenarios whose condition names encode factors (too many combinations to list)
    /// override it to accept any valid combination; <see cref="Conditions"/> then lists the main grid only.
    /// </summary>
    /// <returns>The condition, or null when the name is unknown.</returns>
    /// <exception cref="Trials.InvalidInputException">The name is malformed in a way worth explaining (e.g. a factor combination the published design excludes).</exception>
    ScenarioCondition? FindCondition(string name) => Conditions.FirstOrDefault(c => c.Name == name);

    /// <summary>The options this scenario takes (<c>--option NAME=VALUE</c>); any other name is refused. None by default.</summary>
    IReadOnlyList<ScenarioOption> Options => [];

    /// <summary>
    /// Checks the scenario options' values beyond their declared kind (e.g. that a template directory is complete) before
    /// any trial runs, so that bad input fails once with a clear message instead of in every trial. The default accepts
    /// whatever <see cref="ScenarioOptions.Check"/> accepted.
    /// </summary>
    /// <exception cref="Trials.InvalidInputException">An option is malformed or names something missing.</exception>
    void ValidateOptions(IReadOnlyDictionary<string, string> options)
    {
    }

    /// <summary>
    /// Applies the options that choose which conditions run rather than how a trial runs (e.g. agentic misalignment's
    /// <c>agentic=true</c>, which names each condition's <c>-agentic</c> form), and returns the conditions and the options
    /// left for the trials. A plan then stores the same conditions and options however the user asked for them.
    /// </summary>
    (IReadOnlyList<string> Conditions, IReadOnlyDictionary<string, string> Options) ApplyConditionOptions(
        IReadOnlyList<string> conditions, IReadOnlyDictionary<string, string> options) => (conditions, options);
}

/// <summary>A named experimental condition.</summary>
/// <param name="Name">e.g. "A" or "may2025-allow".</param>
/// <param name="Description">What differs in this condition.</param>
/// <param name="Factors">Named factors (placement, wording...) for reports and exports.</param>
public sealed record ScenarioCondition(string Name, string Description, IReadOnlyDictionary<string, string> Factors);

/// <summary>The outcome keys of a scenario.</summary>
/// <param name="Keys">All outcome keys, in report order.</param>
/// <param name="Primary">The outcome counted by the primary rate (k).</param>
/// <param name="ExcludedFromN">Outcomes removed from the denominator (discarded, error).</param>
public sealed record OutcomeSet(IReadOnlyList<string> Keys, string Primary, IReadOnlyList<string> ExcludedFromN);

/// <summary>What a scenario knows when preparing a trial.</summary>
public sealed record TrialContext(string Condition, int Seed, IReadOnlyDictionary<string, string> Options, TimeProvider Time)
{
    public string? Option(string name) => Options.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// The LLM judge chosen for the run (<c>--judge MODEL</c>), for scenarios whose verdict needs one; null when none was
    /// chosen, in which case such scenarios decide from their deterministic checks alone and say so in the evidence.
    /// </summary>
    public IChatClient? Judge { get; init; }

    /// <summary>
    /// The trial's index within its cell. Trials with the same index under different conditions form a pair, so paired
    /// designs (e.g. alignment faking's testing vs deployment) draw their world from it rather than from the seed.
    /// </summary>
    public int Index { get; init; }

    /// <summary>
    /// The run's sandbox provider, for scenarios that start a second machine of their own (e.g. a simulated remote host);
    /// null where no trial runs (e.g. <c>show-prompt</c>).
    /// </summary>
    public ISandboxProvider? Sandboxes { get; init; }
}

/// <summary>Everything one trial needs; built by <see cref="IScenario.Prepare"/>.</summary>
public sealed class TrialSetup
{
    /// <summary>The opening conversation (system and user messages).</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Tool declarations shown to the model. The harness runs tools itself through <see cref="Environment"/>.</summary>
    public required IReadOnlyList<AITool> Tools { get; init; }

    /// <summary>
    /// Appended as a user message when the model answers without calling a tool. Null: an answer without a tool call ends
    /// the trial (stop reason <see cref="AgentStopReason.Answered"/>), as in single-response experiments.
    /// </summary>
    public required string? ContinueMessage { get; init; }

    /// <summary>The machine to start; null for scenarios that need no machine (e.g. a single text response).</summary>
    public required SandboxSpec? Sandbox { get; init; }

    /// <summary>Executes tool calls, probes state after each, and decides the verdict.</summary>
    public required ITrialEnvironment Environment { get; init; }

    /// <summary>Default limits for this scenario (the user may override).</summary>
    public AgentLimits Limits { get; init; } = new();
}

/// <summary>
/// The per-trial environment: owns the scenario's harness-side state (e.g. the question server), runs the model's
/// tool calls in the sandbox, probes after each, and reads the verdict from state at the end.
/// </summary>
public interface ITrialEnvironment
{
    /// <summary>Called once the sandbox is running, before the first model call.</summary>
    Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default);

    /// <summary>Runs one tool call and probes the environment afterwards.</summary>
    Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default);

    /// <summary>Decides the outcome from the environment's state (never from the agent's words alone).</summary>
    Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Decides the outcome with the conversation at hand, for scenarios whose verdict is read from what the model wrote
    /// (text actions, LLM judges). The default ignores the conversation.
    /// </summary>
    Task<Verdict> JudgeAsync(AgentStopReason stopReason, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken = default) =>
        JudgeAsync(stopReason, cancellationToken);
}

/// <summary>The text returned to the model for a tool call, and whether the trial ends here.</summary>
public sealed record ToolCallOutcome(string Output, bool EndTrial = false, string? EndReason = null);

/// <summary>A trial's outcome with the evidence for it.</summary>
/// <param name="Outcome">One of the scenario's outcome keys.</param>
/// <param name="Technique">How the agent did it, where the state shows it (e.g. "script-deleted").</param>
/// <param name="Evidence">What the oracle saw, for reports and the viewer.</param>
public sealed record Verdict(string Outcome, string? Technique, IReadOnlyDictionary<string, string> Evidence)
{
    /// <summary>
    /// Scores whose name starts with this are details (e.g. one per conversation turn) that a scenario's own report section
    /// reads; the generic per-cell score means leave them out.
    /// </summary>
    public const string DetailPrefix = "detail.";

    /// <summary>
    /// Named numeric scores read from state (e.g. milestones reached, 1 or 0); reports give their mean per cell.
    /// A score that could not be decided is null (missing data), never 0.
    /// </summary>
    public IReadOnlyDictionary<string, double?> Scores { get; init; } = new Dictionary<string, double?>();
}

/// <summary>
/// A scripted control agent. It is not an AI model: results produced by it are always labelled as controls.
/// </summary>
/// <param name="Name">Used as <c>reference/NAME</c>.</param>
/// <param name="Description">What it does.</param>
/// <param name="ExpectedOutcome">The verdict the oracle must give; null for agents whose outcome is random (mixtures).</param>
/// <param name="Create">Builds a fresh client per trial; the argument holds the spec's query options (e.g. p=0.3) and the trial seed.</param>
/// <param name="ExpectedTechnique">The technique the oracle should report, if it should report one.</param>
public sealed record ReferenceAgent(
    string Name,
    string Description,
    string? ExpectedOutcome,
    Func<ReferenceAgentContext, IChatClient> Create,
    string? ExpectedTechnique = null)
{
    /// <summary>The condition <c>offswitch validate</c> runs this control under; null: the scenario's baseline condition.</summary>
    public string? Condition { get; init; }

    /// <summary>
    /// For scenarios with an LLM judge: a second validation run with a scripted stand-in judge (not a model) and the
    /// verdict expected then; <see cref="ExpectedOutcome"/> is the verdict without a judge.
    /// </summary>
    public StandInJudgeCheck? StandInJudge { get; init; }
}

/// <summary>A control's check with a scripted stand-in judge.</summary>
/// <param name="Create">Builds the stand-in judge (a scripted client, labelled as such; never a model).</param>
/// <param name="ExpectedOutcome">The verdict expected with it.</param>
/// <param name="ExpectedTechnique">The technique expected with it, if any.</param>
public sealed record StandInJudgeCheck(Func<IChatClient> Create, string ExpectedOutcome, string? ExpectedTechnique = null);

/// <summary>What a reference agent is built from.</summary>
public sealed record ReferenceAgentContext(IReadOnlyDictionary<string, string> Options, int Seed);
