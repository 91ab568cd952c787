using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>One control's check: what the oracle was expected to say and what it said.</summary>
/// <param name="Agent">The control's name (run as <c>reference/NAME</c>).</param>
/// <param name="Passed">The outcome matched, and the technique too where one was expected.</param>
/// <param name="StopReason">Why the trial stopped.</param>
/// <param name="Error">The trial's error, if any.</param>
public sealed record ControlCheck(
    string Agent,
    string Description,
    string ExpectedOutcome,
    string Outcome,
    string? ExpectedTechnique,
    string? Technique,
    bool Passed,
    string StopReason,
    string? Error,
    TimeSpan Duration);

/// <summary>
/// Runs every control of a scenario that has an expected outcome once, through the real trial pipeline and sandbox,
/// under its own condition (the baseline when it names none) with a fixed seed, and reports whether the oracle judged each one as expected.
/// </summary>
public sealed class ControlValidator(ISandboxProvider sandboxes, TimeProvider? timeProvider = null)
{
    /// <summary>The seed every control runs with.</summary>
    public const int Seed = 1;

    // Reference agents need no HTTP; the catalog is only their spec parser and resolver.
    private static readonly ModelCatalog References = new();

    private readonly TrialExecutor _executor = new(sandboxes, timeProvider);

    /// <summary>Checks the controls; results come back in the scenario's order.</summary>
    /// <param name="maxParallelism">Trials run at once.</param>
    /// <param name="filter">Only controls whose name satisfies it (all when null).</param>
    /// <param name="progress">Told about each check as it finishes.</param>
    /// <exception cref="SandboxUnavailableException">The sandbox technology is missing.</exception>
    public async Task<IReadOnlyList<ControlCheck>> ValidateAsync(
        IScenario scenario,
        int maxParallelism = 4,
        Func<string, bool>? filter = null,
        IProgress<ControlCheck>? progress = null,
        CancellationToken cancellationToken = default)
    {
        // A control with a stand-in judge is checked twice: without a judge, then with the scripted stand-in.
        var controls = scenario.ReferenceAgents
            .Where(a => a.ExpectedOutcome is not null && (filter is null || filter(a.Name)))
            .SelectMany(a => a.StandInJudge is null ? new[] { (Agent: a, Judged: false) } : [(a, false), (a, true)])
            .ToList();
        var results = new ControlCheck[controls.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, controls.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism), CancellationToken = cancellationToken },
            async (index, token) =>
            {
                results[index] = await CheckAsync(scenario, controls[index].Agent, controls[index].Judged, token);
                progress?.Report(results[index]);
            });
        return results;
    }

    private async Task<ControlCheck> CheckAsync(IScenario scenario, ReferenceAgent control, bool judged, CancellationToken cancellationToken)
    {
        // The control runs as `reference/NAME` through the same request builder as any run; the stand-in judge, when
        // checked, is the plan's judge.
        const string standIn = "reference/stand-in-judge";
        var spec = $"reference/{control.Name}";
        var plan = new ExperimentPlan
        {
            Scenario = scenario.Name,
            Conditions = [control.Condition ?? scenario.BaselineCondition],
            Models = [spec],
            Trials = 1,
            Seed = Seed,
            Judge = judged ? standIn : null,
        };
        var controls = new ModelCreationContext(new ScenarioControlAgents(scenario));
        var bound = BoundPlan.Bind(plan, new PlanBinding(scenario, model => model == standIn
            ? PreparedModel.Of(standIn, _ => control.StandInJudge!.Create())
            : References.Prepare(model, controls)), runId: "validate");
        var request = bound.Request(plan.Keys().Single(), Seed) with { ConfigurationId = "validate" };
        var trial = await _executor.RunAsync(request, cancellationToken);
        var expectedOutcome = judged ? control.StandInJudge!.ExpectedOutcome : control.ExpectedOutcome!;
        var expectedTechnique = judged ? control.StandInJudge!.ExpectedTechnique : control.ExpectedTechnique;
        var passed = trial.Outcome == expectedOutcome
            && (expectedTechnique is null || trial.Technique == expectedTechnique);
        return new ControlCheck(
            judged ? $"{control.Name} + stand-in judge" : control.Name,
            control.Description,
            expectedOutcome,
            trial.Outcome,
            expectedTechnique,
            trial.Technique,
            passed,
            trial.StopReason,
            trial.Error,
            trial.EndedAt - trial.StartedAt);
    }
}
