using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;

namespace Offswitch.Running;

/// <summary>Builds a fresh chat client for one trial of a model spec.</summary>
public delegate IChatClient ChatClientFactory(string modelSpec, int trialSeed);

/// <summary>How a run is executed (not part of the plan: changing these does not change results).</summary>
public sealed record RunOptions
{
    /// <summary>Trials in flight at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Whether a model spec is a scripted control (results labelled as such).</summary>
    public Func<string, bool> IsControl { get; init; } = _ => false;

    /// <summary>Harness version written with the run.</summary>
    public string HarnessVersion { get; init; } = typeof(ExperimentRunner).Assembly.GetName().Version?.ToString() ?? "0";
}

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
    TrialRecord? LastTrial);

/// <summary>What a run did.</summary>
public sealed record RunSummary(string RunId, string ConfigurationId, int Planned, int AlreadyStored, int Ran, int Errors, bool Interrupted);

/// <summary>
/// Runs a plan: every trial not yet in the store (resume), with bounded concurrency, each trial stored atomically as soon
/// as it ends. Cancelling <c>stopScheduling</c> lets in-flight trials finish and be stored; cancelling
/// <c>abandon</c> drops them (nothing half-written is ever stored).
/// </summary>
public sealed class ExperimentRunner(IResultStore store, TrialExecutor executor, ChatClientFactory clients, TimeProvider? timeProvider = null)
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
        var configurationId = plan.ConfigurationId();
        var stored = await store.StoredKeysAsync(configurationId, abandon);
        var allKeys = plan.Keys().ToList();
        var pending = allKeys.Where(k => !stored.Contains(k)).ToList();
        var alreadyStored = allKeys.Count - pending.Count;
        var runId = await store.BeginRunAsync(plan, options.HarnessVersion, abandon);

        var started = _time.GetTimestamp();
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        int done = 0, inFlight = 0, errors = 0;
        long tokens = 0;

        void Report(TrialRecord? last) => progress?.Report(new RunProgress(
            allKeys.Count, alreadyStored, Volatile.Read(ref done), Volatile.Read(ref inFlight), Volatile.Read(ref errors),
            new Dictionary<string, int>(outcomes), Interlocked.Read(ref tokens), _time.GetElapsedTime(started), last));

        Report(null);
        var interrupted = false;
        try
        {
            using var bothTokens = CancellationTokenSource.CreateLinkedTokenSource(stopScheduling, abandon);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = bothTokens.Token };
            async ValueTask RunOneAsync(TrialKey key, CancellationToken unused)
            {
                Interlocked.Increment(ref inFlight);
                TrialRecord? finished = null;
                try
                {
                    var seed = plan.TrialSeed(key);
                    var request = new TrialRequest
                    {
                        RunId = runId,
                        ConfigurationId = configurationId,
                        Key = key,
                        Seed = seed,
                        Scenario = scenario,
                        Client = clients(key.Model, seed),
                        IsControl = options.IsControl(key.Model),
                        ModelOptions = plan.ModelOptions,
                        ScenarioOptions = plan.ScenarioOptions,
                        MessageLimit = plan.MessageLimit,
                    };

                    // In-flight trials see only `abandon`, so a first Ctrl-C lets them finish and be stored.
                    var record = await executor.RunAsync(request, abandon);
                    await store.SaveTrialAsync(record, CancellationToken.None);
                    outcomes.AddOrUpdate(record.Outcome, 1, (_, c) => c + 1);
                    if (record.Status == TrialStatus.Error)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    Interlocked.Add(ref tokens, record.Usage.TotalTokens);
                    Interlocked.Increment(ref done);
                    finished = record;
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
                    bothTokens.Token.ThrowIfCancellationRequested();
                }
            }
        }
        catch (OperationCanceledException) when (stopScheduling.IsCancellationRequested || abandon.IsCancellationRequested)
        {
            interrupted = true;
        }

        await store.EndRunAsync(runId, interrupted ? "interrupted" : "completed", CancellationToken.None);
        Report(null);
        return new RunSummary(runId, configurationId, allKeys.Count, alreadyStored, done, errors, interrupted);
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
