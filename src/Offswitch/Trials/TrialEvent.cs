using System.Text.Json;

namespace Offswitch.Trials;

/// <summary>
/// Something that happened during a trial, in order: a model call, a tool call and its result, or an environment
/// event (a question served, a shutdown attempt and how it ended, a probe).
/// </summary>
/// <param name="At">When it happened (the trial's <see cref="TimeProvider"/>).</param>
/// <param name="Kind">One of <see cref="TrialEventKinds"/> or a scenario-specific kind.</param>
/// <param name="Summary">One human-readable line.</param>
/// <param name="Data">Structured details (JSON object), if any.</param>
public sealed record TrialEvent(DateTimeOffset At, string Kind, string Summary, JsonElement? Data = null);

/// <summary>Event kinds written by the harness itself.</summary>
public static class TrialEventKinds
{
    public const string ModelCall = "model_call";
    public const string ToolCall = "tool_call";
    public const string ToolResult = "tool_result";
    public const string Continue = "continue";
    public const string Environment = "environment";
    public const string Probe = "probe";
    public const string Limit = "limit";
    public const string Error = "error";
}

/// <summary>Collects a trial's events; thread-safe because host commands report from other threads.</summary>
public sealed class TrialRecorder(TimeProvider timeProvider)
{
    private readonly List<TrialEvent> _events = [];
    private readonly Lock _gate = new();

    public TimeProvider Time { get; } = timeProvider;

    public void Record(string kind, string summary, object? data = null)
    {
        JsonElement? element = data is null ? null : JsonSerializer.SerializeToElement(data, JsonDefaults.Options);
        lock (_gate)
        {
            _events.Add(new TrialEvent(Time.GetUtcNow(), kind, summary, element));
        }
    }

    public IReadOnlyList<TrialEvent> Snapshot()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }
}
