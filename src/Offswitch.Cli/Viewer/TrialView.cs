using System.Text.Json;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.Extensions.AI;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Cli.Viewer;

/// <summary>One message part as the page draws it.</summary>
/// <param name="Type">text, reasoning, call or result.</param>
internal sealed record ViewPart(string Type, string? Text, string? Name = null, string? CallId = null, string? Arguments = null)
{
    /// <summary>Spans of <see cref="Text"/> the reasoning judge quoted (the page highlights them); null when none.</summary>
    public IReadOnlyList<ViewQuote>? Quotes { get; init; }
}

/// <summary>A span of a part's text that the reasoning judge quoted for one dimension.</summary>
/// <param name="Start">Offset in the part's text.</param>
/// <param name="Length">Length of the span.</param>
/// <param name="Dimension">The judge's question.</param>
/// <param name="Answer">Its answer (yes/no), null when missing.</param>
/// <param name="Exact">False when only whitespace differed from the judge's quote.</param>
internal sealed record ViewQuote(int Start, int Length, string Dimension, string? Answer, bool Exact);

/// <summary>One message of the conversation.</summary>
/// <param name="Author">The speaker of a two-instance conversation ("A" or "B"); null for single-agent trials.</param>
internal sealed record ViewMessage(string Role, IReadOnlyList<ViewPart> Parts, string? Author = null);

/// <summary>One line of a diff: kind is same, del or ins.</summary>
internal sealed record ViewDiffLine(string Kind, string Text);

/// <summary>A trial shaped for reading: the conversation, the environment's events placed at the tool call they happened in, and the verdict's evidence.</summary>
internal sealed record TrialView(
    long Id,
    string RunId,
    string Scenario,
    string Condition,
    string Model,
    int Index,
    int Seed,
    bool IsControl,
    string Status,
    string Outcome,
    string? Technique,
    string? Error,
    string StopReason,
    IReadOnlyDictionary<string, string> Evidence,
    IReadOnlyDictionary<string, double?> Scores,
    Usage Usage,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    IReadOnlyList<ViewMessage> Messages,
    IReadOnlyDictionary<string, IReadOnlyList<TrialEvent>> EventsByCall,
    IReadOnlyList<TrialEvent> EventsBefore,
    IReadOnlyList<TrialEvent> EventsAfter,
    string? DecisiveCallId,
    IReadOnlyList<ViewDiffLine>? ScriptDiff)
{
    // Environment events that decide a shutdown trial, in order of preference.
    private static readonly string[] DecisiveEvents = ["machine_shut_down", "shutdown_bypassed", "bypass_detected", "machine_gone", "shutdown_attempted"];

    public static TrialView From(TrialRecord trial, bool isControl)
    {
        var quotes = QuotesOf(trial.Evidence);
        var messages = trial.Messages.Select((m, i) => new ViewMessage(m.Role.Value, [.. m.Contents.Select((c, j) => ToPart(c) is { } part && quotes.TryGetValue((i, j), out var spans) ? part with { Quotes = spans } : ToPart(c)).OfType<ViewPart>()], m.AuthorName)).ToList();

        var byCall = new Dictionary<string, List<TrialEvent>>(StringComparer.Ordinal);
        var before = new List<TrialEvent>();
        var after = new List<TrialEvent>();
        string? current = null;
        string? ending = null;
        foreach (var e in trial.Events)
        {
            switch (e.Kind)
            {
                case TrialEventKinds.ToolCall:
                    current = CallId(e) ?? current;
                    break;
                case TrialEventKinds.ToolResult:
                    if (e.Summary.Contains("trial ends", StringComparison.Ordinal))
                    {
                        ending ??= CallId(e);
                    }

                    break;
                case TrialEventKinds.ModelCall:
                    break;
                // Judge calls and follow-up questions come after the trial's last action; shown with the ending, not inside it.
                case TrialEventKinds.Limit or TrialEventKinds.Error or Scoring.LlmJudge.EventKind or Running.Interrogator.EventKind or Scoring.Reasoning.ReasoningJudge.EventKind:
                    after.Add(e);
                    break;
                default:
                    if (current is null)
                    {
                        before.Add(e);
                    }
                    else
                    {
                        if (!byCall.TryGetValue(current, out var list))
                        {
                            byCall[current] = list = [];
                        }

                        list.Add(e);
                    }

                    break;
            }
        }

        string? decisive = null;
        foreach (var name in DecisiveEvents)
        {
            decisive = byCall.FirstOrDefault(p => p.Value.Any(e => EventName(e) == name)).Key;
            if (decisive is not null)
            {
                break;
            }
        }

        decisive ??= ending ?? messages.SelectMany(m => m.Parts).LastOrDefault(p => p.Type == "call")?.CallId;

        IReadOnlyList<ViewDiffLine>? diff = null;
        if (trial.Evidence.TryGetValue("script_before", out var beforeScript) && trial.Evidence.TryGetValue("script_after", out var afterScript))
        {
            diff = [.. InlineDiffBuilder.Diff(beforeScript, afterScript, ignoreWhiteSpace: false).Lines.Select(l => new ViewDiffLine(
                l.Type switch { ChangeType.Deleted => "del", ChangeType.Inserted => "ins", ChangeType.Modified => "ins", _ => "same" },
                l.Text ?? string.Empty))];
        }

        return new TrialView(
            trial.Id, trial.RunId, trial.Key.Scenario, trial.Key.Condition, trial.Key.Model, trial.Key.Index, trial.Seed,
            trial.IsControl || isControl, trial.Status == TrialStatus.Error ? "error" : "completed", trial.Outcome, trial.Technique,
            trial.Error, trial.StopReason, trial.Evidence, trial.Scores, trial.Usage, trial.StartedAt, trial.EndedAt, messages,
            byCall.ToDictionary(p => p.Key, p => (IReadOnlyList<TrialEvent>)p.Value, StringComparer.Ordinal),
            before, after, decisive, diff);
    }

    // The reasoning judge's quotes by (message, content) index, each located when the trial was judged.
    private static Dictionary<(int Message, int Content), IReadOnlyList<ViewQuote>> QuotesOf(IReadOnlyDictionary<string, string> evidence)
    {
        var result = new Dictionary<(int, int), IReadOnlyList<ViewQuote>>();
        if (!evidence.TryGetValue(Scoring.Reasoning.ReasoningJudgement.EvidenceKey, out var json) || Scoring.Reasoning.ReasoningJudgement.FromJson(json) is not { } judgement)
        {
            return result;
        }

        foreach (var group in judgement.Dimensions.Where(d => d.Location is not null).GroupBy(d => (d.Location!.Message, d.Location.Content)))
        {
            result[group.Key] = [.. group.Select(d => new ViewQuote(d.Location!.Start, d.Location.Length, d.Dimension, d.Answer, d.Location.Exact)).OrderBy(q => q.Start)];
        }

        return result;
    }

    private static ViewPart? ToPart(AIContent content) => content switch
    {
        TextContent t => new ViewPart("text", t.Text),
        TextReasoningContent r => new ViewPart("reasoning", r.Text),
        FunctionCallContent c => new ViewPart("call", CommandOf(c), c.Name, c.CallId, c.Arguments is null ? null : JsonSerializer.Serialize(c.Arguments, JsonDefaults.Options)),
        FunctionResultContent r => new ViewPart("result", r.Result switch
        {
            null => string.Empty,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            var other => JsonSerializer.Serialize(other, JsonDefaults.Options),
        }, CallId: r.CallId),
        _ => null,
    };

    // A bash tool's one argument is the command; other tools show their arguments as JSON.
    private static string? CommandOf(FunctionCallContent call)
    {
        if (call.Arguments is { Count: 1 } args && args.Values.First() is { } only)
        {
            return only switch
            {
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
                _ => JsonSerializer.Serialize(only, JsonDefaults.Options),
            };
        }

        return call.Arguments is null ? string.Empty : JsonSerializer.Serialize(call.Arguments, JsonDefaults.Options);
    }

    private static string? CallId(TrialEvent e) =>
        e.Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("call_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static string? EventName(TrialEvent e) =>
        e.Data is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
}
