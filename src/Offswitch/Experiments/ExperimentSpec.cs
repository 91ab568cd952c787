using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Experiments;

/// <summary>What the user asked for (command-line flags or a file), before validation.</summary>
public sealed record ExperimentSpec
{
    public required string Scenario { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<string> Conditions { get; init; } = [];
    public int Trials { get; init; } = 10;
    public int Seed { get; init; } = 1;
    public ModelOptions ModelOptions { get; init; } = new();
    public int? MessageLimit { get; init; }
    public IReadOnlyDictionary<string, string> ScenarioOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>The LLM judge's model spec, for scenarios whose verdict needs one.</summary>
    public string? Judge { get; init; }

    /// <summary>The reasoning judge's model spec (<c>--reasoning-judge</c>): classifies every trial's reasoning after its verdict.</summary>
    public string? ReasoningJudge { get; init; }

    /// <summary>Follow-up interrogation of trials with the primary outcome (<c>--interrogate</c>); null for none.</summary>
    public Scoring.Interrogation.InterrogationPlan? Interrogation { get; init; }

    /// <summary>Run until precise: add trials per cell in batches until the rule holds; <see cref="Trials"/> is then the cap.</summary>
    public Statistics.StoppingRule? Stopping { get; init; }

    /// <summary>
    /// Checks the spec against the scenario catalog and freezes it into a plan.
    /// </summary>
    /// <param name="scenarios">The scenarios the spec may name.</param>
    /// <exception cref="InvalidInputException">Anything the user must fix, with the fix in the message.</exception>
    public (ExperimentPlan Plan, IScenario Scenario) Freeze(ScenarioCatalog scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var scenario = scenarios.Require(Scenario);

        if (Models.Count == 0)
        {
            throw new InvalidInputException("No model given. Add --model SPEC (e.g. --model reference/comply, --model openai/gpt-4.1); see `offswitch list providers`.");
        }

        if (Trials < 1)
        {
            throw new InvalidInputException($"--trials must be at least 1 (got {Trials}).");
        }

        if (MessageLimit is < 3)
        {
            throw new InvalidInputException($"--message-limit must be at least 3 (got {MessageLimit}).");
        }

        try
        {
            Stopping?.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidInputException(ex.Message);
        }

        var (conditions, options) = scenario.ApplyConditionOptions(
            Conditions.Count == 0 ? scenario.DefaultConditions : Conditions,
            Scenarios.ScenarioOptions.Check(scenario, ScenarioOptions));
        foreach (var condition in conditions)
        {
            if (scenario.FindCondition(condition) is null)
            {
                throw new InvalidInputException(
                    $"Unknown condition '{condition}' for scenario '{scenario.Name}'. Known conditions: {string.Join(", ", scenario.Conditions.Select(c => c.Name))}. See `offswitch list conditions {scenario.Name}`.");
            }
        }

        scenario.ValidateOptions(options);
        var plan = new ExperimentPlan
        {
            Scenario = scenario.Name,
            Conditions = [.. conditions.Distinct()],
            Models = [.. Models.Distinct()],
            Trials = Trials,
            Seed = Seed,
            ModelOptions = ModelOptions,
            MessageLimit = MessageLimit,
            ScenarioOptions = options,
            Stopping = Stopping,
            Judge = string.IsNullOrWhiteSpace(Judge) ? null : Judge,
            Interrogation = Interrogation,
            ReasoningJudge = string.IsNullOrWhiteSpace(ReasoningJudge) ? null : ReasoningJudge,
        };
        return (plan, scenario);
    }
}

