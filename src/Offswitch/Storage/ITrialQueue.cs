using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>
/// A store that also holds a shared queue of pending trials, so that many workers (on many machines) can run one plan.
/// A worker claims trials with a lease, renews it while they run, and completes each by storing it; a trial whose
/// lease expires (its worker died) goes back to the queue.
/// </summary>
public interface ITrialQueue
{
    /// <summary>Registers a plan: starts its run and queues every trial of it not yet stored. Returns the plan id (the run id).</summary>
    Task<QueuedPlan> RegisterPlanAsync(ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken = default);

    /// <summary>A registered plan; null when absent.</summary>
    Task<QueuedPlan?> GetPlanAsync(string planId, CancellationToken cancellationToken = default);

    /// <summary>Announces (or refreshes) a worker, for <c>status</c>.</summary>
    Task HeartbeatAsync(string workerId, string host, string status, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="max"/> pending (or lease-expired) trials, of one plan or of any.</summary>
    Task<IReadOnlyList<ClaimedTrial>> ClaimAsync(string workerId, string? planId, int max, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Extends the leases this worker still holds; returns how many it holds.</summary>
    Task<int> RenewAsync(string workerId, IReadOnlyCollection<ClaimedTrial> trials, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Stores a claimed trial and marks it done, in one transaction. False when it was already stored (kept the first).</summary>
    Task<bool> CompleteAsync(string workerId, ClaimedTrial claim, TrialRecord trial, CancellationToken cancellationToken = default);

    /// <summary>Gives claimed trials back to the queue (a worker stopping without running them).</summary>
    Task ReleaseAsync(string workerId, IReadOnlyCollection<ClaimedTrial> trials, CancellationToken cancellationToken = default);

    /// <summary>Trials not yet done, of one plan or of all; when none remain, the plan's run is marked completed.</summary>
    Task<int> RemainingAsync(string? planId, CancellationToken cancellationToken = default);

    /// <summary>Progress per plan and per worker.</summary>
    Task<QueueStatus> StatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>A registered plan.</summary>
/// <param name="Id">The plan id, which is also its run id.</param>
/// <param name="Plan">The frozen plan.</param>
/// <param name="Queued">Trials queued when it was registered (those already stored are not).</param>
public sealed record QueuedPlan(string Id, ExperimentPlan Plan, int Queued);

/// <summary>A trial a worker holds a lease on.</summary>
public sealed record ClaimedTrial(string PlanId, TrialKey Key);

/// <summary>Progress of all plans and workers.</summary>
public sealed record QueueStatus(IReadOnlyList<PlanStatus> Plans, IReadOnlyList<WorkerStatus> Workers);

/// <summary>One plan's progress.</summary>
public sealed record PlanStatus(string PlanId, string Scenario, string Status, int Total, int Done, int Claimed, int Pending, DateTimeOffset CreatedAt);

/// <summary>One worker's state.</summary>
/// <param name="Completed">Trials it stored.</param>
/// <param name="InFlight">Trials it holds an unexpired lease on.</param>
public sealed record WorkerStatus(string WorkerId, string Host, string Status, int Completed, int InFlight, DateTimeOffset StartedAt, DateTimeOffset LastSeen);
