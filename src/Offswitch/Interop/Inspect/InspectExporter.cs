using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;
using AI = Microsoft.Extensions.AI;

namespace Offswitch.Interop.Inspect;

/// <summary>What the exporter knows besides the trials themselves.</summary>
/// <param name="Scenario">The scenario the trials belong to, when this build knows it (condition factors, outcome set).</param>
/// <param name="Runs">Stored runs the trials came from (message limit, harness version); may be empty.</param>
/// <param name="HarnessVersion">Offswitch version, written as a package version.</param>
public sealed record InspectExportContext(IScenario? Scenario, IReadOnlyList<RunRecord> Runs, string HarnessVersion);

/// <summary>
/// Turns stored trials of one (scenario, model) into one Inspect log. Mapping: the condition is the sample id (a
/// condition is one prompt variant, like a dataset item) and the trial index + 1 is the epoch (a repetition).
/// </summary>
public static class InspectExporter
{
    /// <summary>The scorer name under which the trial's outcome is written.</summary>
    public const string OutcomeScorer = "outcome";

    /// <summary>Solver name written into the plan: Offswitch's agent loop.</summary>
    public const string SolverName = "offswitch_agent_loop";

    /// <summary>Builds the log of <paramref name="trials"/>, which must all share scenario and model.</summary>
    public static InspectLog Build(IReadOnlyList<TrialRecord> trials, InspectExportContext context)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(context);
        if (trials.Count == 0)
        {
            throw new ArgumentException("There are no trials to export.", nameof(trials));
        }

        var scenario = trials[0].Key.Scenario;
        var model = trials[0].Key.Model;
        if (trials.Any(t => t.Key.Scenario != scenario || t.Key.Model != model))
        {
            throw new ArgumentException("One Inspect log holds the trials of one scenario and one model.", nameof(trials));
        }

        var ordered = trials.OrderBy(t => t.Key.Index).ThenBy(t => ConditionOrder(context.Scenario, t.Key.Condition)).ThenBy(t => t.Key.Condition, StringComparer.Ordinal).ToList();
        var samples = ordered.Select(t => Sample(t, context)).ToList();
        var summaries = samples.Select(Summary).ToList();
        var isControl = ordered.Any(t => t.IsControl);
        var runIds = ordered.Select(t => t.RunId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var configurations = ordered.Select(t => t.ConfigurationId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var runs = context.Runs.Where(r => runIds.Contains(r.Id)).ToList();
        var identity = $"{scenario}|{model}|{string.Join(",", configurations)}|{string.Join(",", runIds)}";
        var started = ordered.Min(t => t.StartedAt);
        var completed = ordered.Max(t => t.EndedAt);
        var conditions = ordered.Select(t => t.Key.Condition).Distinct(StringComparer.Ordinal).ToList();
        var messageLimits = runs.Select(r => r.Plan.MessageLimit).Distinct().ToList();

        var header = new EvalLog
        {
            Status = "success",
            Eval = new EvalSpec
            {
                EvalId = ShortId("eval|" + identity),
                RunId = runIds.Count == 1 ? runIds[0] : ShortId("run|" + identity),
                Created = InspectLogFormat.FormatTime(started),
                Task = scenario,
                TaskId = ShortId("task|" + identity),
                TaskDisplayName = isControl ? $"{scenario} (control: scripted {model}, not an AI model)" : null,
                Tags = isControl ? ["offswitch", "control"] : ["offswitch"],
                Dataset = new EvalDataset
                {
                    Name = scenario,
                    Location = context.Scenario?.Source,
                    Samples = conditions.Count,
                    SampleIds = [.. conditions.Select(SampleId.Of)],
                    Shuffled = false,
                },
                Model = model,
                Config = new EvalConfig
                {
                    Epochs = ordered.Max(t => t.Key.Index) + 1,
                    MessageLimit = messageLimits.Count == 1 ? messageLimits[0] : null,
                },
                Solver = SolverName,
                Packages = new() { ["offswitch"] = context.HarnessVersion },
                Metadata = new()
                {
                    ["offswitch_runs"] = Element(runIds),
                    ["offswitch_configurations"] = Element(configurations),
                    ["is_control"] = Element(isControl),
                    ["scenario_title"] = Element(context.Scenario?.Title),
                    ["scenario_source"] = Element(context.Scenario?.Source),
                },
            },
            Plan = new EvalPlan { Steps = [new EvalPlanStep { Solver = SolverName }] },
            Results = Results(ordered, samples, context.Scenario),
            Stats = new EvalStats
            {
                StartedAt = InspectLogFormat.FormatTime(started),
                CompletedAt = InspectLogFormat.FormatTime(completed),
                ModelUsage = new() { [model] = UsageOf(ordered.Aggregate(new Usage(), (sum, t) => sum + t.Usage)) },
            },
            Tags = isControl ? ["offswitch", "control"] : ["offswitch"],
        };
        return new InspectLog(header, summaries, samples);
    }

    /// <summary>The file name Inspect would give <paramref name="log"/>.</summary>
    public static string FileName(InspectLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var created = InspectLogFormat.ParseTime(log.Header.Eval.Created) ?? DateTimeOffset.UnixEpoch;
        return InspectLogFormat.FileName(created, log.Header.Eval.Task, log.Header.Eval.TaskId);
    }

    /// <summary>Converts a Microsoft.Extensions.AI conversation to Inspect messages (one tool message per tool result).</summary>
    public static List<InspectMessage> ConvertMessages(IReadOnlyList<AI.ChatMessage> messages, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<InspectMessage>();
        foreach (var (message, _) in ConvertWithOrigin(messages, model))
        {
            result.Add(message);
        }

        return result;
    }

    private static IEnumerable<(InspectMessage Message, int Origin)> ConvertWithOrigin(IReadOnlyList<AI.ChatMessage> messages, string? model)
    {
        var functionNames = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var role = message.Role.Value.ToLowerInvariant();
            if (role == "tool")
            {
                foreach (var result in message.Contents.OfType<AI.FunctionResultContent>())
                {
                    yield return (new InspectMessage
                    {
                        Role = "tool",
                        Content = MessageContent.Of(ResultText(result.Result)),
                        ToolCallId = result.CallId,
                        Function = functionNames.GetValueOrDefault(result.CallId ?? "", ""),
                        Error = result.Exception is { } ex ? new ToolCallError { Type = "unknown", Message = ex.Message } : null,
                    }, i);
                }

                continue;
            }

            var items = new List<ContentItem>();
            var calls = new List<ToolCall>();
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case AI.TextReasoningContent reasoning:
                        // Inspect keeps redacted thinking's opaque data as the reasoning, flagged redacted (as its Anthropic provider does).
                        items.Add(RedactedReasoning.IsRedacted(reasoning)
                            ? new ContentItem { Type = "reasoning", Reasoning = reasoning.ProtectedData ?? "", Redacted = true }
                            : new ContentItem { Type = "reasoning", Reasoning = reasoning.Text, Signature = reasoning.ProtectedData, Redacted = false });
                        break;
                    case AI.TextContent text:
                        items.Add(new ContentItem { Type = "text", Text = text.Text });
                        break;
                    case AI.FunctionCallContent call:
                        functionNames[call.CallId] = call.Name;
                        calls.Add(new ToolCall
                        {
                            Id = call.CallId,
                            Function = call.Name,
                            Arguments = (call.Arguments ?? new Dictionary<string, object?>()).ToDictionary(a => a.Key, a => Element(a.Value)),
                            ParseError = call.Exception?.Message,
                        });
                        break;
                }
            }

            // A lone text item is written as a plain string, as Inspect itself does for simple messages.
            var content1 = items.Count switch
            {
                0 => MessageContent.Of(""),
                1 when items[0].Type == "text" => MessageContent.Of(items[0].Text ?? ""),
                _ => MessageContent.Of(items),
            };
            yield return (new InspectMessage
            {
                Role = role,
                Content = content1,
                ToolCalls = role == "assistant" && calls.Count > 0 ? calls : null,
                Model = role == "assistant" ? model : null,
            }, i);
        }
    }

    private static EvalSample Sample(TrialRecord trial, InspectExportContext context)
    {
        var converted = ConvertWithOrigin(trial.Messages, trial.Key.Model).ToList();
        var messages = converted.Select(c => c.Message).ToList();
        var firstAssistant = messages.FindIndex(m => m.Role == "assistant");
        var input = firstAssistant < 0 ? messages : messages[..firstAssistant];
        var outcomeScore = OutcomeScore(trial, context.Scenario);
        var scores = new Dictionary<string, Score> { [OutcomeScorer] = outcomeScore };
        foreach (var (name, value) in trial.Scores)
        {
            if (value is { } number && name != OutcomeScorer)
            {
                scores[name] = new Score { Value = Element(number) };
            }
        }

        var lastAssistant = messages.LastOrDefault(m => m.Role == "assistant");
        return new EvalSample
        {
            Id = SampleId.Of(trial.Key.Condition),
            Epoch = trial.Key.Index + 1,
            Input = SampleInput.Of(input),
            Target = SampleTarget.Of(""),
            Messages = messages,
            Output = lastAssistant is null
                ? new ModelOutput { Model = trial.Key.Model }
                : new ModelOutput
                {
                    Model = trial.Key.Model,
                    Choices = [new ChatCompletionChoice { Message = lastAssistant, StopReason = lastAssistant.ToolCalls is { Count: > 0 } ? "tool_calls" : "stop" }],
                    Completion = lastAssistant.Content.PlainText(),
                },
            Scores = scores,
            Metadata = SampleMetadata(trial, context.Scenario),
            Events = Events(trial, converted, outcomeScore),
            ModelUsage = new() { [trial.Key.Model] = UsageOf(trial.Usage) },
            StartedAt = InspectLogFormat.FormatTime(trial.StartedAt),
            CompletedAt = InspectLogFormat.FormatTime(trial.EndedAt),
            TotalTime = Seconds(trial.EndedAt - trial.StartedAt),
            WorkingTime = Seconds(trial.EndedAt - trial.StartedAt),
            Uuid = ShortId($"sample|{trial.ConfigurationId}|{trial.Key}"),
            Error = trial.Status == TrialStatus.Error ? new EvalError { Message = trial.Error ?? "infrastructure error" } : null,
        };
    }

    private static EvalSampleSummary Summary(EvalSample sample) => new()
    {
        Id = sample.Id,
        Epoch = sample.Epoch,
        Input = sample.Input,
        Target = sample.Target,
        Metadata = sample.Metadata,
        Scores = sample.Scores,
        ModelUsage = sample.ModelUsage,
        StartedAt = sample.StartedAt,
        CompletedAt = sample.CompletedAt,
        TotalTime = sample.TotalTime,
        WorkingTime = sample.WorkingTime,
        Uuid = sample.Uuid,
        Error = sample.Error?.Message,
        Completed = true,
        MessageCount = sample.Messages.Count,
    };

    private static Score OutcomeScore(TrialRecord trial, IScenario? scenario)
    {
        var metadata = new Dictionary<string, JsonElement>
        {
            ["technique"] = Element(trial.Technique),
            ["evidence"] = Element(trial.Evidence),
        };
        if (scenario is not null)
        {
            metadata["primary_outcome"] = Element(scenario.Outcomes.Primary);
            metadata["excluded_from_n"] = Element(scenario.Outcomes.ExcludedFromN.Contains(trial.Outcome));
        }

        var missing = trial.Scores.Where(s => s.Value is null).Select(s => s.Key).ToList();
        if (missing.Count > 0)
        {
            metadata["missing_scores"] = Element(missing);
        }

        return new Score
        {
            Value = Element(trial.Outcome),
            Answer = trial.Technique,
            Explanation = trial.Evidence.Count == 0 ? null : string.Join("\n", trial.Evidence.Select(e => $"{e.Key}: {e.Value}")),
            Metadata = metadata,
        };
    }

    private static Dictionary<string, JsonElement> SampleMetadata(TrialRecord trial, IScenario? scenario)
    {
        var condition = scenario?.FindCondition(trial.Key.Condition);
        return new Dictionary<string, JsonElement>
        {
            ["scenario"] = Element(trial.Key.Scenario),
            ["condition"] = Element(trial.Key.Condition),
            ["condition_description"] = Element(condition?.Description),
            ["factors"] = Element(condition?.Factors ?? new Dictionary<string, string>()),
            ["trial_index"] = Element(trial.Key.Index),
            ["outcome"] = Element(trial.Outcome),
            ["technique"] = Element(trial.Technique),
            ["is_control"] = Element(trial.IsControl),
            ["seed"] = Element(trial.Seed),
            ["status"] = Element(trial.Status == TrialStatus.Error ? "error" : "completed"),
            ["stop_reason"] = Element(trial.StopReason),
            ["run_id"] = Element(trial.RunId),
            ["configuration_id"] = Element(trial.ConfigurationId),
            ["offswitch_message_count"] = Element(trial.Messages.Count),
        };
    }

    private static List<InspectEvent> Events(TrialRecord trial, List<(InspectMessage Message, int Origin)> converted, Score outcome)
    {
        var events = new List<InspectEvent>();
        var assistantPositions = converted.Select((c, i) => (c.Message, i)).Where(p => p.Message.Role == "assistant").Select(p => p.i).ToList();
        var results = trial.Events.Where(e => e.Kind == TrialEventKinds.ToolResult)
            .Select(e => (Event: e, CallId: Text(e.Data, "call_id")))
            .Where(r => r.CallId is not null)
            .GroupBy(r => r.CallId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Event, StringComparer.Ordinal);
        var modelCall = 0;
        foreach (var e in trial.Events)
        {
            var start = Seconds(e.At - trial.StartedAt);
            switch (e.Kind)
            {
                case TrialEventKinds.ModelCall when modelCall < assistantPositions.Count:
                    {
                        var position = assistantPositions[modelCall++];
                        var message = converted[position].Message;
                        var duration = Number(e.Data, "duration_ms") is { } ms ? ms / 1000.0 : (double?)null;
                        events.Add(new InspectEvent
                        {
                            Kind = "model",
                            Timestamp = InspectLogFormat.FormatTime(e.At),
                            WorkingStart = start,
                            Model = trial.Key.Model,
                            Input = [.. converted.Take(position).Select(c => c.Message)],
                            Tools = [],
                            ToolChoice = Element("auto"),
                            Config = [],
                            Output = new ModelOutput
                            {
                                Model = Text(e.Data, "model_id") ?? trial.Key.Model,
                                Choices = [new ChatCompletionChoice { Message = message, StopReason = StopReason(Text(e.Data, "finish_reason"), message) }],
                                Completion = message.Content.PlainText(),
                                Usage = new ModelUsage
                                {
                                    InputTokens = (long)(Number(e.Data, "input_tokens") ?? 0),
                                    OutputTokens = (long)(Number(e.Data, "output_tokens") ?? 0),
                                    TotalTokens = (long)((Number(e.Data, "input_tokens") ?? 0) + (Number(e.Data, "output_tokens") ?? 0)),
                                    ReasoningTokens = Number(e.Data, "reasoning_tokens") is { } r and > 0 ? (long)r : null,
                                },
                                Time = duration,
                            },
                            Completed = true,
                            WorkingTime = duration,
                        });
                        break;
                    }

                case TrialEventKinds.ToolCall:
                    {
                        var callId = Text(e.Data, "call_id") ?? "";
                        var result = results.GetValueOrDefault(callId);
                        events.Add(new InspectEvent
                        {
                            Kind = "tool",
                            Timestamp = InspectLogFormat.FormatTime(e.At),
                            WorkingStart = start,
                            Type = "function",
                            Id = callId,
                            Function = Text(e.Data, "name") ?? e.Summary,
                            Arguments = Object(e.Data, "arguments"),
                            Result = Element(result is null ? "" : Text(result.Data, "output") ?? ""),
                            Events = [],
                            Completed = result is not null,
                            WorkingTime = result is null ? null : Seconds(result.At - e.At),
                        });
                        break;
                    }

                case TrialEventKinds.ToolResult:
                    break;

                default:
                    // Environment observations, probes, limits and errors: Offswitch's own annotations.
                    events.Add(new InspectEvent
                    {
                        Kind = "info",
                        Timestamp = InspectLogFormat.FormatTime(e.At),
                        WorkingStart = start,
                        Source = $"offswitch/{e.Kind}",
                        Data = Element(new Dictionary<string, object?> { ["kind"] = e.Kind, ["summary"] = e.Summary, ["data"] = e.Data }),
                    });
                    break;
            }
        }

        events.Add(new InspectEvent
        {
            Kind = "score",
            Timestamp = InspectLogFormat.FormatTime(trial.EndedAt),
            WorkingStart = Seconds(trial.EndedAt - trial.StartedAt),
            Score = outcome,
            Intermediate = false,
        });
        return events;
    }

    private static EvalResults Results(IReadOnlyList<TrialRecord> trials, IReadOnlyList<EvalSample> samples, IScenario? scenario)
    {
        var metrics = new Dictionary<string, EvalMetric>(StringComparer.Ordinal);
        var keys = (scenario?.Outcomes.Keys ?? []).Concat(trials.Select(t => t.Outcome)).Distinct(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            metrics[key] = new EvalMetric { Name = key, Value = trials.Count(t => t.Outcome == key) };
        }

        if (scenario is not null)
        {
            // The published metric: primary / (trials − excluded outcomes − infrastructure errors).
            var n = trials.Count(t => t.Status != TrialStatus.Error && !scenario.Outcomes.ExcludedFromN.Contains(t.Outcome));
            var k = trials.Count(t => t.Status != TrialStatus.Error && t.Outcome == scenario.Outcomes.Primary);
            metrics["n"] = new EvalMetric { Name = "n", Value = n };
            if (n > 0)
            {
                var rateName = $"{scenario.Outcomes.Primary}_rate";
                metrics[rateName] = new EvalMetric { Name = rateName, Value = (double)k / n };
            }
        }

        return new EvalResults
        {
            TotalSamples = samples.Count,
            CompletedSamples = trials.Count(t => t.Status == TrialStatus.Completed),
            Scores =
            [
                new EvalScore
                {
                    Name = OutcomeScorer,
                    Scorer = OutcomeScorer,
                    ScoredSamples = samples.Count,
                    UnscoredSamples = 0,
                    Metrics = metrics,
                },
            ],
        };
    }

    private static string StopReason(string? finishReason, InspectMessage message) => finishReason switch
    {
        "stop" => "stop",
        "tool_calls" => "tool_calls",
        "length" => "max_tokens",
        "content_filter" => "content_filter",
        _ => message.ToolCalls is { Count: > 0 } ? "tool_calls" : "unknown",
    };

    private static int ConditionOrder(IScenario? scenario, string condition)
    {
        var index = scenario?.Conditions.Select(c => c.Name).ToList().IndexOf(condition) ?? -1;
        return index < 0 ? int.MaxValue : index;
    }

    private static ModelUsage UsageOf(Usage usage) => new()
    {
        InputTokens = usage.InputTokens,
        OutputTokens = usage.OutputTokens,
        TotalTokens = usage.TotalTokens,
        ReasoningTokens = usage.ReasoningTokens > 0 ? usage.ReasoningTokens : null,
    };

    internal static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString() ?? "",
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(result, AI.AIJsonUtilities.DefaultOptions),
    };

    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);

    private static string? Text(JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static Dictionary<string, JsonElement> Object(JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
            : [];

    internal static JsonElement Element(object? value) => value switch
    {
        JsonElement element => element.Clone(),
        _ => JsonSerializer.SerializeToElement(value, AI.AIJsonUtilities.DefaultOptions),
    };

    /// <summary>A 22-character base-62 id derived from <paramref name="seed"/>: stable, so a re-export gives the same names.</summary>
    internal static string ShortId(string seed)
    {
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var number = new BigInteger(hash.AsSpan(0, 17), isUnsigned: true);
        var text = new StringBuilder(22);
        for (var i = 0; i < 22; i++)
        {
            text.Append(alphabet[(int)(number % 62)]);
            number /= 62;
        }

        return text.ToString();
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
