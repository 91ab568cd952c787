using System.Collections.Concurrent;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>How a run is executed (not part of the plan: changing these does not change results).</summary>
public sealed record RunOptions
{
    /// <summary>Trials in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Harness version written with the run.</summary>
    public string HarnessVersion { get; init; } = typeof(ExperimentRunner).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>The cost in USD of a trial's usage for a model spec; null when unknown. Null prices nothing (every cost unknown).</summary>
    public Func<string, Usage, double?>? Cost { get; init; }

    /// <summary>
    /// Spending limits over the whole configuration (trials already stored count): when reached, no new trial starts,
    /// in-flight trials finish and are stored, and the summary says so. A rerun with a higher limit resumes.
    /// </summary>
    public RunBudget Budget { get; init; } = new();

    /// <summary>What the providers' rate limiters are doing right now, for the progress display; null when unknown.</summary>
    public Func<RateLimitStatus>? RateLimits { get; init; }

    /// <summary>How often progress is reported while no trial ends (rate-limit waits show up between trials).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Spending limits of a run; null means no limit.</summary>
/// <param name="MaxCostUsd">Stop scheduling once the configuration's known cost reaches this many USD.</param>
/// <param name="MaxTotalTokens">Stop scheduling once the configuration's input + output tokens reach this many.</param>
public sealed record RunBudget(double? MaxCostUsd = null, long? MaxTotalTokens = null);

/// <summary>A snapshot of a run's progress, for progress displays.</summary>
public sealed record RunProgress(
    int Total,
    int AlreadyStored,
    int Done,
    int InFlight,
    int Errors,
    IReadOnlyDictionary<string, int> Outcomes,
    long Tokens,
    TimeSpan Elapsed,
    TrialRecord? LastTrial)
{
    /// <summary>Known cost in USD of the configuration's trials (stored before and run now).</summary>
    public double CostUsd { get; init; }

    /// <summary>Trials whose cost is unknown (no price for their model); <see cref="CostUsd"/> leaves them out.</summary>
    public int UnpricedTrials { get; init; }

    /// <summary>Providers currently slowed by rate limits.</summary>
    public RateLimitStatus RateLimits { get; init; } = RateLimitStatus.None;
}

/// <summary>What a run did.</summary>
public sealed record RunSummary(string RunId, string ConfigurationId, int Planned, int AlreadyStored, int Ran, int Errors, bool Interrupted)
{
    /// <summary>Set when a spending limit stopped the run: which limit and how much was spent.</summary>
    public string? BudgetExhausted { get; init; }

    /// <summary>Known cost in USD of the configuration's stored trials at the end of the run.</summary>
    public double CostUsd { get; init; }

    /// <summary>Stored trials of the configuration whose cost is unknown.</summary>
    public int UnpricedTrials { get; init; }

    /// <summary>Input + output tokens of the configuration's stored trials at the end of the run.</summary>
    public long Tokens { get; init; }
}

/// <summary>
/// Runs a plan: every trial not yet in the store (resume), with bounded concurrency, each trial stored atomically as soon
/// as it ends. Cancelling <c>stopScheduling</c> lets in-flight trials finish and be stored; cancelling
/// <c>abandon</c> drops them (nothing half-written is ever stored).
/// </summary>
public sealed class ExperimentRunner(IResultStore store, TrialExecutor executor, ModelPreparer models, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<RunSummary> RunAsync(
        ExperimentPlan plan,
        IScenario scenario,
        RunOptions options,
        IProgress<RunProgress>? progress = null,
        CancellationToken stopScheduling = default,
        CancellationToken abandon = default)
    {
        // Every model spec is parsed and checked once, before the run is recorded: a bad spec leaves the store untouched.
        var bound = BoundPlan.Bind(plan, new PlanBinding(scenario, models), runId: "");
        var configurationId = bound.ConfigurationId;
        var storedTrials = await store.TrialSummariesAsync(new TrialQuery(ConfigurationId: configurationId), abandon);
        var stored = storedTrials.Select(t => t.Key).ToHashSet();
        var allKeys = plan.Keys().ToList();
        var planned = allKeys.ToHashSet();
        var pending = allKeys.Where(k => !stored.Contains(k)).ToList();
        var alreadyStored = allKeys.Count - pending.Count;
        var runId = await store.BeginRunAsync(plan, options.HarnessVersion, abandon);
        bound = bound.WithRunId(runId);

        var started = _time.GetTimestamp();
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        int done = 0, inFlight = 0, errors = 0;
        long tokens = 0;
        var spend = new Spend();
        foreach (var trial in storedTrials.Where(t => planned.Contains(t.Key)))
        {
            // A trial stored before costs were recorded is priced now, from its usage.
            spend.Add(trial.Usage.TotalTokens, trial.CostUsd ?? options.Cost?.Invoke(trial.Key.Model, trial.Usage));
        }

        void Report(TrialRecord? last)
        {
            var (cost, unpriced, _) = spend.Read();
            progress?.Report(new RunProgress(
                allKeys.Count, alreadyStored, Volatile.Read(ref done), Volatile.Read(ref inFlight), Volatile.Read(ref errors),
                new Dictionary<string, int>(outcomes), Interlocked.Read(ref tokens), _time.GetElapsedTime(started), last)
            {
                CostUsd = cost,
                UnpricedTrials = unpriced,
                RateLimits = options.RateLimits?.Invoke() ?? RateLimitStatus.None,
            });
        }

        using var budgetStop = new CancellationTokenSource();
        string? budgetExhausted = null;
        void CheckBudget()
        {
            if (Exhausted(options.Budget, spend) is { } reason && budgetExhausted is null)
            {
                budgetExhausted = reason;
                budgetStop.Cancel();
            }
        }

        Report(null);
        CheckBudget();
        var interrupted = false;
        using var ticker = progress is null ? null : _time.CreateTimer(_ => Report(null), null, options.ProgressInterval, options.ProgressInterval);
        try
        {
            using var schedulingStopped = CancellationTokenSource.CreateLinkedTokenSource(stopScheduling, abandon, budgetStop.Token);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = schedulingStopped.Token };
            async ValueTask RunOneAsync(TrialKey key, CancellationToken unused)
            {
                if (schedulingStopped.IsCancellationRequested)
                {
                    return;
                }

                Interlocked.Increment(ref inFlight);
                TrialRecord? finished = null;
                try
                {
                    var request = bound.Request(key);

                    // In-flight trials see only `abandon`, so a first Ctrl-C (or a spent budget) lets them finish and be stored.
                    var record = await executor.RunAsync(request, abandon);
                    record = record with { CostUsd = options.Cost?.Invoke(key.Model, record.Usage) };
                    await store.SaveTrialAsync(record, CancellationToken.None);
                    outcomes.AddOrUpdate(record.Outcome, 1, (_, c) => c + 1);
                    if (record.Status == TrialStatus.Error)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    Interlocked.Add(ref tokens, record.Usage.TotalTokens);
                    spend.Add(record.Usage.TotalTokens, record.CostUsd);
                    Interlocked.Increment(ref done);
                    finished = record;
                    CheckBudget();
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }

                Report(finished);
            }

            if (plan.Stopping is not { } rule)
            {
                await Parallel.ForEachAsync(pending, parallel, RunOneAsync);
            }
            else
            {
                // Batch b holds indices [b·size, (b+1)·size). Whether a cell needs batch b depends only on its stored trials
                // with smaller indices, so a resumed run makes the same decisions as an uninterrupted one.
                for (var start = 0; start < plan.Trials; start += rule.BatchSize)
                {
                    var active = await UnfinishedCellsAsync(plan, scenario, rule, configurationId, start, abandon);
                    if (active.Count == 0)
                    {
                        break;
                    }

                    var end = Math.Min(plan.Trials, start + rule.BatchSize);
                    var batch = pending.Where(k => k.Index >= start && k.Index < end && active.Contains((k.Condition, k.Model))).ToList();
                    await Parallel.ForEachAsync(batch, parallel, RunOneAsync);
                    schedulingStopped.Token.ThrowIfCancellationRequested();
                }
            }
        }
        catch (OperationCanceledException) when (stopScheduling.IsCancellationRequested || abandon.IsCancellationRequested || budgetStop.IsCancellationRequested)
        {
            interrupted = stopScheduling.IsCancellationRequested || abandon.IsCancellationRequested;
        }

        var complete = Volatile.Read(ref done) == pending.Count;
        var status = interrupted || (budgetExhausted is not null && !complete) ? RunStatuses.Interrupted : RunStatuses.Completed;
        await store.EndRunAsync(runId, status, CancellationToken.None);
        Report(null);
        var (finalCost, finalUnpriced, finalTokens) = spend.Read();
        return new RunSummary(runId, configurationId, allKeys.Count, alreadyStored, done, errors, interrupted)
        {
            BudgetExhausted = complete ? null : budgetExhausted,
            CostUsd = finalCost,
            UnpricedTrials = finalUnpriced,
            Tokens = finalTokens,
        };
    }

    private static string? Exhausted(RunBudget budget, Spend spend)
    {
        var (cost, _, tokens) = spend.Read();
        if (budget.MaxCostUsd is { } maxCost && cost >= maxCost)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cost limit reached: ${cost:0.####} spent of --max-cost ${maxCost:0.####}");
        }

        if (budget.MaxTotalTokens is { } maxTokens && tokens >= maxTokens)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"token limit reached: {tokens:N0} tokens used of --max-tokens-total {maxTokens:N0}");
        }

        return null;
    }

    /// <summary>Running totals of a configuration's spend, updated from concurrent trials.</summary>
    private sealed class Spend
    {
        private readonly Lock _gate = new();
        private double _cost;
        private int _unpriced;
        private long _tokens;

        public void Add(long tokens, double? cost)
        {
            lock (_gate)
            {
                _tokens += tokens;
                if (cost is { } known)
                {
                    _cost += known;
                }
                else
                {
                    _unpriced++;
                }
            }
        }

        public (double Cost, int Unpriced, long Tokens) Read()
        {
            lock (_gate)
            {
                return (_cost, _unpriced, _tokens);
            }
        }
    }

    /// <summary>Cells (condition, model) whose stored trials with index below <paramref name="before"/> do not yet meet the rule.</summary>
    private async Task<HashSet<(string Condition, string Model)>> UnfinishedCellsAsync(
        ExperimentPlan plan, IScenario scenario, StoppingRule rule, string configurationId, int before, CancellationToken cancellationToken)
    {
        var cells = plan.Conditions.SelectMany(c => plan.Models.Select(m => (Condition: c, Model: m))).ToHashSet();
        if (before == 0)
        {
            return cells;
        }

        // The runner reads back only its own configuration's trials: the decision is about the data this plan produces.
        var stored = await store.TrialSummariesAsync(new TrialQuery(Scenario: plan.Scenario, ConfigurationId: configurationId), cancellationToken);
        var byCell = stored.Where(t => t.Key.Index < before).ToLookup(t => (t.Key.Condition, t.Key.Model));
        foreach (var cell in cells.ToList())
        {
            var analysis = Analysis.AnalyzeCell(plan.Scenario, cell.Condition, cell.Model, [.. byCell[cell]], scenario.Outcomes, rule.Method, rule.Level);
            if (rule.IsSatisfied(analysis.K, analysis.N))
            {
                cells.Remove(cell);
            }
        }

        return cells;
    }
}
