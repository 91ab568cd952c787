using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>Where runs and trials live. A trial is saved in one transaction: wholly stored or absent.</summary>
public interface IResultStore : IAsyncDisposable
{
    /// <summary>Creates the schema if needed. Throws <see cref="StoreUnavailableException"/> for a file that is not a store.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the start of a run with its frozen plan; returns the run id.</summary>
    Task<string> BeginRunAsync(ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken = default);

    /// <summary>Marks a run finished (or interrupted).</summary>
    Task EndRunAsync(string runId, string status, CancellationToken cancellationToken = default);

    /// <summary>Keys already stored for a configuration (see <see cref="ExperimentPlan.ConfigurationId"/>): resume skips them.</summary>
    Task<IReadOnlySet<TrialKey>> StoredKeysAsync(string configurationId, CancellationToken cancellationToken = default);

    /// <summary>Saves a finished trial atomically. Saving a key twice for one configuration keeps the first.</summary>
    Task<bool> SaveTrialAsync(TrialRecord trial, CancellationToken cancellationToken = default);

    /// <summary>All runs, oldest first.</summary>
    Task<IReadOnlyList<RunRecord>> RunsAsync(CancellationToken cancellationToken = default);

    /// <summary>Trial summaries (no transcripts), optionally of one run.</summary>
    Task<IReadOnlyList<TrialSummary>> TrialSummariesAsync(TrialQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>One full trial with its transcript and events; null when absent.</summary>
    Task<TrialRecord?> GetTrialAsync(long id, CancellationToken cancellationToken = default);
}

/// <summary>A filter over stored trials.</summary>
public sealed record TrialQuery(string? RunId = null, string? Scenario = null, string? ConfigurationId = null);

/// <summary>The store cannot be opened or is not an Offswitch store.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : UserErrorException(message, inner);
