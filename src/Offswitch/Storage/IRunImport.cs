namespace Offswitch.Storage;

/// <summary>A store that can take runs from another store with their ids, times and status (for <c>offswitch copy</c>).</summary>
public interface IRunImport
{
    /// <summary>Adds the run as it is unless a run with its id exists. Returns whether it was added.</summary>
    Task<bool> ImportRunAsync(RunRecord run, CancellationToken cancellationToken = default);
}

/// <summary>Copies every run and trial of one store into another; what the target already holds is kept.</summary>
public static class StoreCopy
{
    /// <summary>Copies runs, then trials (each saved atomically; a key already stored is skipped).</summary>
    /// <returns>Runs added, trials added, trials skipped as already stored.</returns>
    public static async Task<(int Runs, int Trials, int Skipped)> CopyAsync(IResultStore from, IResultStore to, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        var target = to as IRunImport ?? throw new ArgumentException("The target store cannot import runs.", nameof(to));
        int runs = 0, trials = 0, skipped = 0;
        foreach (var run in await from.RunsAsync(cancellationToken))
        {
            runs += await target.ImportRunAsync(run, cancellationToken) ? 1 : 0;
        }

        foreach (var summary in await from.TrialSummariesAsync(null, cancellationToken))
        {
            var trial = await from.GetTrialAsync(summary.Id, cancellationToken)
                ?? throw new InvalidOperationException($"Trial {summary.Id} vanished from the source store during the copy.");
            if (await to.SaveTrialAsync(trial, cancellationToken))
            {
                trials++;
            }
            else
            {
                skipped++;
            }

            progress?.Report(trials + skipped);
        }

        return (runs, trials, skipped);
    }
}
