namespace Offswitch.Horizons;

/// <summary>
/// One agent run on one task: a row of the runs table (METR's <c>runs.jsonl</c>: <c>task_id</c>, <c>task_family</c>,
/// <c>run_id</c>, <c>alias</c>, <c>score_binarized</c>, <c>human_minutes</c>).
/// </summary>
/// <param name="TaskId">The task.</param>
/// <param name="TaskFamily">The family the task belongs to (the bootstrap's top level, and the invsqrt weight's divisor).</param>
/// <param name="RunId">The run; unique within (task, model).</param>
/// <param name="Model">The agent (METR's <c>alias</c>).</param>
/// <param name="HumanMinutes">How long the task takes a skilled human, in minutes (METR: the geometric mean of successful baseline times).</param>
/// <param name="Score">Success in [0, 1]; 0/1 when binarised, fractional scores are allowed (split into weighted 0 and 1 rows).</param>
public sealed record HorizonRun(string TaskId, string TaskFamily, string RunId, string Model, double HumanMinutes, double Score)
{
    /// <summary>The model's release date, when the table or a release-dates file gives it.</summary>
    public DateOnly? ReleaseDate { get; init; }

    /// <summary>True for scripted reference agents (controls, not AI models).</summary>
    public bool IsControl { get; init; }
}

/// <summary>How runs are weighted within a model's fit (METR's <c>compute_task_weights.py</c>).</summary>
public enum TaskWeighting
{
    /// <summary>1 / (runs in the task × √(tasks in the family)), normalised to sum to 1 per model: METR's headline weighting.</summary>
    InvSqrt,

    /// <summary>1 / runs in the task, normalised to sum to 1 per model: every task counts the same.</summary>
    Equal,
}

/// <summary>The analysis's settings; the defaults are METR's headline configuration.</summary>
public sealed record HorizonOptions
{
    /// <summary>L2 penalty on the slope, sklearn's 1/C; METR's headline <c>figs.yaml</c> uses 0.1.</summary>
    public double Regularization { get; init; } = 0.1;

    /// <summary>Run weighting (METR's headline: invsqrt).</summary>
    public TaskWeighting Weighting { get; init; } = TaskWeighting.InvSqrt;

    /// <summary>Bootstrap replicates (METR's <c>params.yaml</c>: 1,000); 0 skips the intervals.</summary>
    public int Bootstrap { get; init; } = 1000;

    /// <summary>Replicate i draws from a generator seeded with <c>Seed + i</c> (METR: <c>default_rng(42 + i)</c>).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Two-sided confidence level of every interval.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>The success probabilities at which horizons are read, in percent (METR: 50 and 80).</summary>
    public IReadOnlyList<int> SuccessPercents { get; init; } = [50, 80];

    /// <summary>Only models released on or after this date enter the doubling-time fit (METR's <c>after_date</c>).</summary>
    public DateOnly? TrendAfter { get; init; }

    /// <summary>Only models released before this date enter the doubling-time fit (METR's <c>before_date</c>).</summary>
    public DateOnly? TrendBefore { get; init; }
}
