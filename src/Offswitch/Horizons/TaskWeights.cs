namespace Offswitch.Horizons;

/// <summary>
/// METR's run weights (<c>compute_task_weights.py</c>), computed per model: equal = 1 / runs in the task; invsqrt =
/// equal / √(tasks in the family); each normalised to sum to 1 over the model's runs. They are always recomputed from
/// the table, so a table filtered before the analysis is weighted as METR does after an exclusion.
/// </summary>
public static class TaskWeights
{
    /// <summary>The weight of each of one model's runs, in the order given.</summary>
    public static double[] Of(IReadOnlyList<HorizonRun> modelRuns, TaskWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(modelRuns);
        var runsInTask = modelRuns.GroupBy(r => r.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var tasksInFamily = modelRuns.Select(r => (r.TaskFamily, r.TaskId)).Distinct().GroupBy(t => t.TaskFamily, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var raw = modelRuns.Select(r => weighting switch
        {
            TaskWeighting.Equal => 1.0 / runsInTask[r.TaskId],
            TaskWeighting.InvSqrt => 1.0 / (runsInTask[r.TaskId] * Math.Sqrt(tasksInFamily[r.TaskFamily])),
            _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, null),
        }).ToArray();
        var sum = raw.Sum();
        return [.. raw.Select(w => w / sum)];
    }
}
