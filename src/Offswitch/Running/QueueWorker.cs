using System.Collections.Concurrent;
using Offswitch.Experiments;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>How a worker runs (none of it changes results).</summary>
public sealed record WorkerOptions
{
    /// <summary>Unique name of this worker, shown by <c>status</c>.</summary>
    public string WorkerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Only this plan; null takes trials of every registered plan.</summary>
    public string? PlanId { get; init; }

    /// <summary>Trials this worker runs at once. Provider limits are per worker: N workers allow N × this in flight.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>How long a claim holds without renewal; a dead worker's trials return to the queue after this.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often an idle worker looks again for trials that others still hold.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cost in USD of a trial's usage for a model spec; null when unknown.</summary>
    public Func<string, Usage, double?>? Cost { get; init; }
}

/// <summary>What a worker did.</summary>
public sealed record WorkerSummary(string WorkerId, int Ran, int Errors, bool Interrupted);

/// <summary>
/// Runs queued trials from a shared store (<see cref="ITrialQueue"/>) until no trial of its plan (or of any plan) is
/// left: claims up to <see cref="WorkerOptions.Concurrency"/> trials with leases, renews the leases while they run,
/// and stores each trial as it ends. Trials held by other workers are waited for, and taken over if their leases
/// expire. Cancelling <c>stopClaiming</c> lets in-flight trials finish; cancelling <c>abandon</c> gives them back.
/// </summary>
public sealed class QueueWorker(ITrialQueue queue, TrialExecutor executor, Func<ExperimentPlan, PlanBinding> bind)
{
    private readonly ConcurrentDictionary<string, Task<BoundPlan>> _plans = new(StringComparer.Ordinal);

    /// <summary>Reports each stored trial.</summary>
    public event Action<TrialRecord>? TrialStored;

    public async Task<WorkerSummary> RunAsync(WorkerOptions options, CancellationToken stopClaiming = default, CancellationToken abandon = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = Environment.MachineName;
        await queue.HeartbeatAsync(options.WorkerId, host, "running", abandon);
        var held = new ConcurrentDictionary<ClaimedTrial, byte>();
        var running = new List<Task>();
        int ran = 0, errors = 0;

        using var renewalStop = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        var renewal = RenewLeasesAsync(options, held, renewalStop.Token);
        try
        {
            while (true)
            {
                running.RemoveAll(t => t.IsCompleted);
                var claimedNow = 0;
                if (!stopClaiming.IsCancellationRequested && running.Count < options.Concurrency)
                {
                    var claims = await queue.ClaimAsync(options.WorkerId, options.PlanId, options.Concurrency - running.Count, options.Lease, abandon);
                    claimedNow = claims.Count;
                    foreach (var claim in claims)
                    {
                        held[claim] = 0;
                        running.Add(Task.Run(async () =>
                        {
                            var record = await RunClaimAsync(options, claim, held, abandon);
                            if (record is not null)
                            {
                                Interlocked.Increment(ref ran);
                                if (record.Status == TrialStatus.Error)
                                {
                                    Interlocked.Increment(ref errors);
                                }

                                TrialStored?.Invoke(record);
                            }
                        }, CancellationToken.None));
                    }
                }

                if (running.Count == 0)
                {
                    if (stopClaiming.IsCancellationRequested || abandon.IsCancellationRequested)
                    {
                        break;
                    }

                    if (claimedNow == 0)
                    {
                        if (await queue.RemainingAsync(options.PlanId, abandon) == 0)
                        {
                            break;
                        }

                        // Others hold the rest: wait for them to finish, or for their leases to run out.
                        await DelayAsync(options.PollInterval, stopClaiming, abandon);
                    }

                    continue;
                }

                // With free slots, look again after a poll interval (a dead worker's trials may come back); otherwise
                // wait for a trial to end.
                var wake = running.Count < options.Concurrency && !stopClaiming.IsCancellationRequested
                    ? Task.WhenAny(running.Append(DelayAsync(options.PollInterval, stopClaiming, abandon)))
                    : Task.WhenAny(running);
                await wake;
                foreach (var failed in running.Where(t => t.IsFaulted).ToList())
                {
                    await failed; // rethrows: a store failure is not a trial outcome
                }
            }
        }
        finally
        {
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await renewalStop.CancelAsync();
            await renewal;
            await queue.ReleaseAsync(options.WorkerId, held.Keys.ToList(), CancellationToken.None);
            await queue.HeartbeatAsync(options.WorkerId, host, "stopped", CancellationToken.None);
        }

        return new WorkerSummary(options.WorkerId, ran, errors, stopClaiming.IsCancellationRequested || abandon.IsCancellationRequested);
    }

    private async Task<TrialRecord?> RunClaimAsync(WorkerOptions options, ClaimedTrial claim, ConcurrentDictionary<ClaimedTrial, byte> held, CancellationToken abandon)
    {
        try
        {
            var bound = await _plans.GetOrAdd(claim.PlanId, LoadPlanAsync);
            var request = bound.Request(claim.Key);
            var record = await executor.RunAsync(request, abandon);
            record = record with { CostUsd = options.Cost?.Invoke(claim.Key.Model, record.Usage) };
            await queue.CompleteAsync(options.WorkerId, claim, record, CancellationToken.None);
            held.TryRemove(claim, out _);
            return record;
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            return null; // released in RunAsync's finally
        }
    }

    private async Task<BoundPlan> LoadPlanAsync(string planId)
    {
        var queued = await queue.GetPlanAsync(planId) ?? throw new InvalidOperationException($"Plan '{planId}' is not in the store.");
        return BoundPlan.Bind(queued.Plan, bind(queued.Plan), queued.Id);
    }

    private async Task RenewLeasesAsync(WorkerOptions options, ConcurrentDictionary<ClaimedTrial, byte> held, CancellationToken cancellationToken)
    {
        // Renew three times per lease, so one slow or failed renewal does not lose a trial.
        using var timer = new PeriodicTimer(options.Lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await queue.RenewAsync(options.WorkerId, held.Keys.ToList(), options.Lease, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database may be briefly unreachable; the next tick tries again before the lease ends.
                    Console.Error.WriteLine($"worker {options.WorkerId}: lease renewal failed ({ex.Message}); retrying");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken stopClaiming, CancellationToken abandon)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopClaiming, abandon);
        try
        {
            await Task.Delay(delay, either.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
