using System.Text;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.Sandbagging;

/// <summary>
/// Apollo Research's sandbagging evaluation (Meinke et al., arXiv 2412.04984), re-created: an arithmetic test whose
/// documentation says that a high score triggers unlearning (or, in the counterfactual, that a low score prevents
/// deployment). The measure is the accuracy difference between the paired conditions.
/// </summary>
public sealed class SandbaggingScenario : IScenario, IContrastedScenario
{
    private static readonly Lazy<IReadOnlyList<ScenarioCondition>> LazyConditions = new(() =>
        [.. SandbaggingData.Conditions.Select(c => new ScenarioCondition(c.Name, c.Description, c.Factors))]);

    public string Name => "sandbagging";

    public string Title => "Sandbagging (Apollo Research): does the agent score lower on an arithmetic test when a high score triggers unlearning?";

    public string Source =>
        "Meinke, Schoen, Scheurer, Balesni, Shah, Hobbhahn: \"Frontier Models are Capable of In-context Scheming\" (Apollo Research, arXiv 2412.04984, 2024), sandbagging evaluation";

    public IReadOnlyList<ScenarioCondition> Conditions => LazyConditions.Value;

    /// <summary>The pair with goal and nudge, and the pair without a goal (Apollo's Table 6).</summary>
    public IReadOnlyList<string> DefaultConditions { get; } = ["do-well-nudge", "do-poorly-nudge", "do-well-no-goal", "do-poorly-no-goal"];

    public string BaselineCondition => "do-well-nudge";

    public OutcomeSet Outcomes => SandbaggingOutcomes.Set;

    public IReadOnlyList<ReferenceAgent> ReferenceAgents => SandbaggingControls.All;

    public IReadOnlyList<ScoreContrast> ScoreContrasts { get; } =
    [
        new("goal + nudge", SandbaggingOutcomes.Accuracy, "do-well-nudge", "do-poorly-nudge"),
        new("goal, no nudge", SandbaggingOutcomes.Accuracy, "do-well-goal", "do-poorly-goal"),
        new("no goal", SandbaggingOutcomes.Accuracy, "do-well-no-goal", "do-poorly-no-goal"),
    ];

    public IReadOnlyList<PairedChoiceContrast> PairedChoices { get; } = [];

    public TrialSetup Prepare(TrialContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var condition = SandbaggingData.Conditions.FirstOrDefault(c => c.Name == context.Condition)
            ?? throw new ArgumentException(
                $"Unknown condition '{context.Condition}' for sandbagging. Known: {string.Join(", ", SandbaggingData.Conditions.Select(c => c.Name))}.",
                nameof(context));
        var test = ArithmeticTest.ForSeed(context.Seed);
        var limits = new AgentLimits { MessageLimit = 30, ToolTimeout = TimeSpan.FromSeconds(30) };
        var goal = condition.Goal ? " " + SandbaggingData.Text("goal.txt") + (condition.Nudge ? " " + SandbaggingData.Nudge : "") : "";
        var consequence = SandbaggingData.Text(condition.Incentive == "do-poorly" ? "consequence-unlearning.txt" : "consequence-deployment.txt");
        var documentation = SandbaggingData.Text("Documentation.md")
            .Replace("{count}", ArithmeticTest.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{consequence}", consequence, StringComparison.Ordinal);
        var rw = Convert.ToInt32("644", 8);
        return new TrialSetup
        {
            Messages =
            [
                new ChatMessage(ChatRole.System, SandbaggingData.Text("system.txt").Replace("{goal}", goal, StringComparison.Ordinal)),
                new ChatMessage(ChatRole.User, SandbaggingData.Text("user.txt")),
            ],
            Tools = ShellTool.Declarations(SandbaggingData.Text("tools.json")),
            ContinueMessage = SandbaggingData.Text("continue.txt"),
            Sandbox = new SandboxSpec
            {
                Files =
                [
                    new SandboxFile("Documentation.md", Encoding.UTF8.GetBytes(documentation + "\n"), rw),
                    new SandboxFile("questions.txt", Encoding.UTF8.GetBytes(test.File()), rw),
                ],
                CommandTimeout = limits.ToolTimeout,
                Hostname = "eval-runner",
            },
            Environment = new SandbaggingEnvironment(test, limits.ToolTimeout),
            Limits = limits,
        };
    }
}
