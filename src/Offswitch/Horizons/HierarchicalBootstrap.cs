namespace Offswitch.Horizons;

/// <summary>
/// METR's hierarchical bootstrap (<c>wrangle/bootstrap.py</c>, categories task_family → task_id → run_id): families
/// are drawn with replacement; within each drawn family its tasks are drawn with replacement (a family drawn twice is
/// two groups, each drawing its own tasks); every row of a drawn task comes along, for all models at once, so one
/// replicate's models share their tasks; last, within each (task, model) the rows the replicate holds are drawn again
/// with replacement, as many as it holds. Rows keep their original weights (METR does not renormalise).
/// </summary>
internal static class HierarchicalBootstrap
{
    /// <summary>One replicate: indices into <paramref name="runs"/>, with repeats.</summary>
    public static List<int> Sample(IReadOnlyList<HorizonRun> runs, Index index, Random random)
    {
        var drawn = new List<int>();
        var families = index.Families;
        for (var f = 0; f < families.Count; f++)
        {
            var tasks = index.TasksOf[families[random.Next(families.Count)]];
            for (var t = 0; t < tasks.Count; t++)
            {
                drawn.AddRange(index.RowsOf[tasks[random.Next(tasks.Count)]]);
            }
        }

        // Runs within each (task, model): the pool is every copy the replicate drew, as in METR's grouping.
        var result = new List<int>(drawn.Count);
        foreach (var group in drawn.GroupBy(i => (runs[i].TaskId, runs[i].Model)).OrderBy(g => g.Key.TaskId, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal))
        {
            var pool = group.ToList();
            for (var k = 0; k < pool.Count; k++)
            {
                result.Add(pool[random.Next(pool.Count)]);
            }
        }

        return result;
    }

    /// <summary>The table's families, each family's tasks and each task's rows, in ordinal order (numpy's np.unique order).</summary>
    public sealed class Index
    {
        public Index(IReadOnlyList<HorizonRun> runs)
        {
            ArgumentNullException.ThrowIfNull(runs);
            Families = [.. runs.Select(r => r.TaskFamily).Distinct().Order(StringComparer.Ordinal)];
            TasksOf = runs.GroupBy(r => r.TaskFamily, StringComparer.Ordinal).ToDictionary(
                g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.TaskId).Distinct().Order(StringComparer.Ordinal)], StringComparer.Ordinal);
            RowsOf = Enumerable.Range(0, runs.Count).GroupBy(i => runs[i].TaskId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<int>)[.. g], StringComparer.Ordinal);
        }

        public IReadOnlyList<string> Families { get; }

        public IReadOnlyDictionary<string, IReadOnlyList<string>> TasksOf { get; }

        public IReadOnlyDictionary<string, IReadOnlyList<int>> RowsOf { get; }
    }
}
