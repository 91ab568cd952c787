using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>A finished trial, as stored.</summary>
public sealed record TrialRecord
{
    public long Id { get; init; }
    public required string RunId { get; init; }
    public required string ConfigurationId { get; init; }
    public required TrialKey Key { get; init; }
    public required int Seed { get; init; }
    public required bool IsControl { get; init; }
    public required TrialStatus Status { get; init; }
    public required string Outcome { get; init; }
    public string? Technique { get; init; }
    public string? Error { get; init; }
    public required string StopReason { get; init; }
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, double?> Scores { get; init; } = new Dictionary<string, double?>();
    public required IReadOnlyList<ChatMessage> Messages { get; init; }
    public required IReadOnlyList<TrialEvent> Events { get; init; }
    public Usage Usage { get; init; } = new();

    /// <summary>What the trial's tokens cost in USD at the prices in force when it ran; null when the price is unknown.</summary>
    public double? CostUsd { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }
}

/// <summary>A trial without its transcript: what analysis needs.</summary>
public sealed record TrialSummary(
    long Id,
    string RunId,
    string ConfigurationId,
    TrialKey Key,
    bool IsControl,
    TrialStatus Status,
    string Outcome,
    string? Technique,
    string? Error,
    Usage Usage,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double? CostUsd = null)
{
    /// <summary>The trial's named scores (milestones, judge scores); null values are missing data.</summary>
    public IReadOnlyDictionary<string, double?> Scores { get; init; } = new Dictionary<string, double?>();

    /// <summary>Value equality, scores included by content (a record would compare the dictionary by reference).</summary>
    public bool Equals(TrialSummary? other) =>
        other is not null
        && (Id, RunId, ConfigurationId, Key, IsControl, Status, Outcome, Technique, Error, Usage, StartedAt, EndedAt, CostUsd)
            == (other.Id, other.RunId, other.ConfigurationId, other.Key, other.IsControl, other.Status, other.Outcome, other.Technique, other.Error, other.Usage, other.StartedAt, other.EndedAt, other.CostUsd)
        && Scores.Count == other.Scores.Count
        && Scores.All(p => other.Scores.TryGetValue(p.Key, out var value) && value == p.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, RunId, ConfigurationId, Key, Outcome, StartedAt);
}

/// <summary>A stored run.</summary>
public sealed record RunRecord(string Id, ExperimentPlan Plan, string ConfigurationId, string HarnessVersion, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string Status);
