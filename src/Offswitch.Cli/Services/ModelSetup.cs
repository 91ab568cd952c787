using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Scenarios;

namespace Offswitch.Cli.Services;

/// <summary>
/// The process's <see cref="ModelCatalog"/>: it owns the shared HTTP client every HTTP provider calls through, so there is
/// one per process. A command that takes --concurrency or --request-timeout replaces it with <see cref="Configure"/>.
/// </summary>
internal sealed class ModelSetup : IDisposable
{
    private readonly Lock _gate = new();
    private ModelCatalog? _catalog;

    private ModelCatalog Catalog
    {
        get
        {
            lock (_gate)
            {
                return _catalog ??= new ModelCatalog();
            }
        }
    }

    /// <summary>
    /// Sets how HTTP providers are called: adaptive concurrency per endpoint up to <paramref name="maxConcurrency"/>,
    /// and the timeout of one HTTP attempt. Call before the first client is created.
    /// </summary>
    public ProviderRateLimits Configure(int maxConcurrency, TimeSpan? requestTimeout)
    {
        var limits = new ProviderRateLimits(new AdaptiveConcurrencyOptions { MaxConcurrency = Math.Max(1, maxConcurrency) });
        var retry = new RetryOptions();
        if (requestTimeout is { } timeout)
        {
            retry = retry with { RequestTimeout = timeout };
        }

        lock (_gate)
        {
            _catalog?.Dispose();
            _catalog = new ModelCatalog(new ModelCatalogOptions { Retry = retry, RateLimits = limits });
        }

        return limits;
    }

    /// <summary>Parses and checks a spec once for a run; its clients are then built per trial without the CLI.</summary>
    public PreparedModel Prepare(string spec, IScenario scenario) => Catalog.Prepare(spec, new ModelCreationContext(new ScenarioControlAgents(scenario)));

    /// <summary>Prepares every model of a plan (and its judges) once: what a runner or a worker binds the plan with.</summary>
    public PlanBinding Bind(ExperimentPlan plan, IScenario scenario)
    {
        var prepared = plan.Models.Concat(plan.Judge is { } judge ? [judge] : []).Concat(plan.ReasoningJudge is { } reasoningJudge ? [reasoningJudge] : [])
            .Concat(scenario is IPairedScenario paired && paired.PartnerSpec(plan.ScenarioOptions) is { } partner ? [partner] : [])
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(spec => spec, spec => Prepare(spec, scenario), StringComparer.Ordinal);
        return new PlanBinding(scenario, spec => prepared[spec]);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _catalog?.Dispose();
            _catalog = null;
        }
    }
}
