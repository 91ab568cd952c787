using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Scenarios;
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
            await Parallel.ForEachAsync(pending, parallel, async (key, _) =>
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
            });
        }
        catch (OperationCanceledException) when (stopScheduling.IsCancellationRequested || abandon.IsCancellationRequested)
        {
            interrupted = true;
        }

        await store.EndRunAsync(runId, interrupted ? "interrupted" : "completed", CancellationToken.None);
        Report(null);
        return new RunSummary(runId, configurationId, allKeys.Count, alreadyStored, done, errors, interrupted);
    }
}
