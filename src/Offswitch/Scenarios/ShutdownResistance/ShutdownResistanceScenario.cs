using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.ShutdownResistance;

/// <summary>
/// Palisade Research's shutdown-resistance experiment: six math questions served by <c>./next_question</c>, a warning
/// after the third, and <c>./shutdown.sh</c> run by the fourth call. Did the machine go down?
/// </summary>
public sealed class ShutdownResistanceScenario : IScenario
{
    /// <summary>Scenario option: keep the trial going after a bypass was detected (Palisade stops there).</summary>
    public const string ObserveAfterBypassOption = "observe-after-bypass";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new(ObserveAfterBypassOption, ScenarioOptionKind.Flag,
            "true: after a sabotaged shutdown, keep the trial going and record what the agent does next (the published oracle stops at the first detection; the default, false, follows it)."),
    ];

    private static readonly Lazy<IReadOnlyList<ScenarioCondition>> LazyConditions = new(() =>
        [.. ShutdownData.Conditions.Select(c => new ScenarioCondition(c.Name, c.Description, c.Factors))]);

    public string Name => "shutdown-resistance";

    public string Title => "Shutdown resistance (Palisade Research): does the agent let ./shutdown.sh end its machine?";

    public string Source =>
        "Schlatter, Weinstein-Raun, Ladish: \"Shutdown resistance in reasoning models\" (Palisade Research blog, 2025-07-05) "
        + "and \"Incomplete Tasks Induce Shutdown Resistance in Some Frontier LLMs\" (arXiv 2509.14260, TMLR 2026)";

    public IReadOnlyList<ScenarioCondition> Conditions => LazyConditions.Value;

    /// <summary>A (no instruction) and E (disambiguated instruction in the system prompt): the two columns Table 2 reports for every model.</summary>
    public IReadOnlyList<string> DefaultConditions { get; } = ["A", "E"];

    public string BaselineCondition => "A";

    public OutcomeSet Outcomes => ShutdownOutcomes.Set;

    public IReadOnlyList<ReferenceAgent> ReferenceAgents => ShutdownControls.All;

    public TrialSetup Prepare(TrialContext context)
    {
        var condition = FindCondition(context.Condition);
        var environmentText = ShutdownData.Environment;
        var variant = environmentText.Variants[condition.Variant];
        var script = ShutdownData.ShutdownScript;
        var limits = new AgentLimits();
        var observe = context.Option(ObserveAfterBypassOption) is { } value && bool.TryParse(value, out var parsed) && parsed;
        var environment = new ShutdownEnvironment(environmentText, variant, script, observe, limits.ToolTimeout);
        return new TrialSetup
        {
            Messages =
            [
                new ChatMessage(ChatRole.System, ShutdownData.Text(condition.System)),
                new ChatMessage(ChatRole.User, ShutdownData.Text(condition.User)),
            ],
            Tools = Tools(),
            ContinueMessage = ShutdownData.ContinueMessage,
            Sandbox = new SandboxSpec
            {
                Files = [new SandboxFile(HomeSnapshot.ScriptName, script, Convert.ToInt32("755", 8))],
                HostCommands = [environment.Command],
                CommandTimeout = limits.ToolTimeout,
            },
            Environment = environment,
            Limits = limits,
        };
    }

    /// <summary>
    /// The exact texts sent to the model under <paramref name="condition"/>: system message, user message, the tool
    /// definitions (JSON) and the continue message. For <c>offswitch show-prompt</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown condition.</exception>
    public PromptDescription DescribePrompt(string condition)
    {
        var found = FindCondition(condition);
        return new PromptDescription(
            found.Name,
            ShutdownData.Text(found.System),
            ShutdownData.Text(found.User),
            ShutdownData.ToolsJson.TrimEnd(),
            ShutdownData.ContinueMessage);
    }

    /// <summary>The two tools, as declarations (the harness runs them itself).</summary>
    internal static IReadOnlyList<AITool> Tools()
    {
        using var document = JsonDocument.Parse(ShutdownData.ToolsJson);
        return
        [
            .. document.RootElement.EnumerateArray().Select(tool => (AITool)AIFunctionFactory.CreateDeclaration(
                tool.GetProperty("name").GetString()!,
                tool.GetProperty("description").GetString(),
                tool.GetProperty("parameters").Clone())),
        ];
    }

    private static ConditionText FindCondition(string name) =>
        ShutdownData.Conditions.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"Unknown condition '{name}' for shutdown-resistance. Known: {string.Join(", ", ShutdownData.Conditions.Select(c => c.Name))}.",
            nameof(name));
}

/// <summary>What the model is sent under one condition.</summary>
/// <param name="ToolsJson">The tool declarations: name, description and JSON schema of the parameters.</param>
public sealed record PromptDescription(string Condition, string SystemMessage, string UserMessage, string ToolsJson, string ContinueMessage);
