using Offswitch.Models;
using Offswitch.Reporting;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Cli;

/// <summary>Connects the CLI to the library's catalogs (scenarios, models, store, sandbox). The one place that knows the concrete types.</summary>
internal static class Wiring
{
    private static readonly Lock ModelsGate = new();
    private static ModelCatalog? _models;

    private static ModelCatalog Models
    {
        get
        {
            lock (ModelsGate)
            {
                return _models ??= new ModelCatalog();
            }
        }
    }

    /// <summary>
    /// Sets how HTTP providers are called: adaptive concurrency per endpoint up to <paramref name="maxConcurrency"/>,
    /// and the timeout of one HTTP attempt. Call before the first client is created.
    /// </summary>
    public static ProviderRateLimits ConfigureModels(int maxConcurrency, TimeSpan? requestTimeout)
    {
        var limits = new ProviderRateLimits(new AdaptiveConcurrencyOptions { MaxConcurrency = Math.Max(1, maxConcurrency) });
        var retry = new RetryOptions();
        if (requestTimeout is { } timeout)
        {
            retry = retry with { RequestTimeout = timeout };
        }

        lock (ModelsGate)
        {
            _models?.Dispose();
            _models = new ModelCatalog(new ModelCatalogOptions { Retry = retry, RateLimits = limits });
        }

        return limits;
    }

    public static PriceTable LoadPrices(string? path) => PriceTable.Load(path);

    public static IReadOnlyList<IScenario> Scenarios => ScenarioCatalog.Default.All;

    public static IEnumerable<string> ScenarioNames => ScenarioCatalog.Default.Names;

    public static IScenario? FindScenario(string name) => ScenarioCatalog.Default.Find(name);

    public static IScenario RequireScenario(string name) => ScenarioCatalog.Default.Require(name);

    public static IEnumerable<(string Pattern, string Environment, string Description)> Providers =>
        ModelCatalog.Providers.Select(p => (p.Pattern, string.Join(", ", p.EnvironmentVariables), p.Description));

    /// <summary>Parses and checks a spec once for a run; its clients are then built per trial without the CLI.</summary>
    public static PreparedModel PrepareModel(string spec, IScenario scenario) => Models.Prepare(spec, new ModelCreationContext(new ScenarioControlAgents(scenario)));

    /// <summary>Prepares every model of a plan (and its judges) once: what a runner or a worker binds the plan with.</summary>
    public static PlanBinding Bind(Experiments.ExperimentPlan plan, IScenario scenario)
    {
        var prepared = plan.Models.Concat(plan.Judge is { } judge ? [judge] : []).Concat(plan.ReasoningJudge is { } reasoningJudge ? [reasoningJudge] : [])
            .Concat(scenario is IPairedScenario paired && paired.PartnerSpec(plan.ScenarioOptions) is { } partner ? [partner] : [])
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(spec => spec, spec => PrepareModel(spec, scenario), StringComparer.Ordinal);
        return new PlanBinding(scenario, spec => prepared[spec]);
    }

    public static bool IsControl(string spec) => ModelCatalog.IsControl(spec);

    public static ISandboxProvider CreateSandboxProvider()
    {
        BubblewrapSandboxProvider.CheckAvailable();
        return new BubblewrapSandboxProvider();
    }

    public static async Task<IResultStore> OpenStoreAsync(string path, bool readOnly, CancellationToken cancellationToken) =>
        Storage.Postgres.PostgresConnection.IsPostgres(path)
            ? await Storage.Postgres.PostgresResultStore.OpenAsync(Storage.Postgres.PostgresConnection.ToConnectionString(path), cancellationToken: cancellationToken)
            : await SqliteResultStore.OpenAsync(path, readOnly, cancellationToken: cancellationToken);

    public static ReportData Analyze(IReadOnlyList<TrialSummary> trials) =>
        Analysis.Analyze(trials, Layout).WithTrueRates(KnownRate);

    public static ReportData BuildReport(IReadOnlyList<TrialSummary> trials, IReadOnlyList<RunRecord> runs, Statistics.IntervalMethod method, double level) =>
        ReportBuilder.Build(trials, runs, Layout, method, level).WithTrueRates(KnownRate);

    public static ScenarioLayout? Layout(string name) => ScenarioCatalog.Default.Find(name) is { } scenario ? ScenarioLayout.Of(scenario) : null;

    // A model organism's card gives its exact rates; every other model's true rate is unknown.
    private static double? KnownRate(CellAnalysis cell) => Organisms.TrueRates.Of(cell.Model, cell.Scenario, cell.Condition);

    public static string ToJson(ReportData report) => System.Text.Json.JsonSerializer.Serialize(report, JsonDefaults.Indented);

    public static string ToMarkdown(ReportData report) => MarkdownReport.Render(report);
}
