using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>Parses and checks one model spec for a run (once; see <see cref="ModelCatalog.Prepare"/>).</summary>
public delegate PreparedModel ModelPreparer(string modelSpec);

/// <summary>What a run or a worker needs besides the plan: its scenario and how to prepare its models.</summary>
public sealed record PlanBinding(IScenario Scenario, ModelPreparer Models);

/// <summary>
/// A plan bound to its scenario and its models, each model spec (and the judge's) prepared once. The one place a
/// trial's request is built, for a local run, a team worker and the control check alike.
/// </summary>
public sealed class BoundPlan
{
    private readonly IReadOnlyDictionary<string, PreparedModel> _models;
    private readonly PreparedModel? _judge;
    private readonly PreparedModel? _reasoningJudge;

    // The partner of a paired scenario's trials (its conversations' instance B); null: each model talks with itself.
    private readonly PreparedModel? _partner;

    private BoundPlan(ExperimentPlan plan, IScenario scenario, string runId, IReadOnlyDictionary<string, PreparedModel> models, PreparedModel? judge, PreparedModel? reasoningJudge, PreparedModel? partner)
    {
        _reasoningJudge = reasoningJudge;
        Plan = plan;
        Scenario = scenario;
        RunId = runId;
        ConfigurationId = plan.ConfigurationId();
        _models = models;
        _judge = judge;
        _partner = partner;
    }

    public ExperimentPlan Plan { get; }

    public IScenario Scenario { get; }

    public string RunId { get; }

    public string ConfigurationId { get; }

    /// <summary>Prepares every model of the plan and its judge; a bad spec throws before any trial starts.</summary>
    /// <exception cref="ModelConfigurationException">A spec cannot be used.</exception>
    public static BoundPlan Bind(ExperimentPlan plan, PlanBinding binding, string runId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(binding);
        var models = new Dictionary<string, PreparedModel>(StringComparer.Ordinal);
        foreach (var spec in plan.Models)
        {
            models.TryAdd(spec, binding.Models(spec));
        }

        var judge = plan.Judge is { } judgeSpec ? (models.GetValueOrDefault(judgeSpec) ?? binding.Models(judgeSpec)) : null;
        var reasoningJudge = plan.ReasoningJudge is { } reasoningSpec
            ? (reasoningSpec == plan.Judge ? judge : null) ?? models.GetValueOrDefault(reasoningSpec) ?? binding.Models(reasoningSpec)
            : null;
        var partner = binding.Scenario is IPairedScenario paired && paired.PartnerSpec(plan.ScenarioOptions) is { } partnerSpec
            ? (models.GetValueOrDefault(partnerSpec) ?? binding.Models(partnerSpec))
            : null;
        return new BoundPlan(plan, binding.Scenario, runId, models, judge, reasoningJudge, partner);
    }

    /// <summary>The same plan under another run id (a resumed or queued run).</summary>
    public BoundPlan WithRunId(string runId) => new(Plan, Scenario, runId, _models, _judge, _reasoningJudge, _partner);

    /// <summary>Whether the model's trials come from a scripted control (its results are labelled so); a scripted partner makes them so too.</summary>
    public bool IsControl(string model) => Model(model).IsControl || _partner?.IsControl == true;

    /// <summary>The request for one trial of the plan, with the plan's seed for that trial.</summary>
    public TrialRequest Request(TrialKey key) => Request(key, Plan.TrialSeed(key));

    /// <summary>The request for one trial with a given seed (the control check runs every control with one seed).</summary>
    public TrialRequest Request(TrialKey key, int seed)
    {
        var model = Model(key.Model);
        return new TrialRequest
        {
            RunId = RunId,
            ConfigurationId = ConfigurationId,
            Key = key,
            Seed = seed,
            Scenario = Scenario,
            Client = model.Create(seed),
            // Instance B gets its own client and its own seed, so that sampling and scripted state are not shared with A.
            Partner = Scenario is IPairedScenario ? (_partner ?? model).Create(PartnerSeed(seed)) : null,
            IsControl = IsControl(key.Model),
            ModelOptions = Plan.ModelOptions,
            ScenarioOptions = Plan.ScenarioOptions,
            MessageLimit = Plan.MessageLimit,
            Judge = _judge?.Create(seed),
            Interrogation = Plan.Interrogation,
            ReasoningJudge = _reasoningJudge?.Create(seed),
        };
    }

    private static int PartnerSeed(int seed) => (int)(((uint)seed * 2654435761u) ^ 0x5bd1e995u) & int.MaxValue;

    private PreparedModel Model(string spec) => _models.TryGetValue(spec, out var model)
        ? model
        : throw new InvalidOperationException($"Model '{spec}' is not in the plan (its models: {string.Join(", ", _models.Keys)}).");
}
