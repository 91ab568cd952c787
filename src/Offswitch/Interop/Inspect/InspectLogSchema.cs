using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offswitch.Interop.Inspect;

// Types for Inspect's log schema version 2, written from the documented field lists (see README.md in this folder).
// Property names become snake_case through InspectJson.Options. Records that Inspect extends often carry
// [JsonExtensionData] so that fields this code does not model survive a read and re-write unchanged.

/// <summary>The top-level log (<c>header.json</c> holds it without samples).</summary>
public sealed record EvalLog
{
    public int Version { get; init; } = InspectLogFormat.SchemaVersion;

    /// <summary>"started", "success", "cancelled" or "error".</summary>
    public string Status { get; init; } = "started";

    public required EvalSpec Eval { get; init; }
    public EvalPlan Plan { get; init; } = new();
    public EvalResults? Results { get; init; }
    public EvalStats Stats { get; init; } = new();
    public EvalError? Error { get; init; }
    public bool Invalidated { get; init; }
    public List<string> Tags { get; init; } = [];
    public Dictionary<string, JsonElement> Metadata { get; init; } = [];

    /// <summary>Present only in the single-file <c>.json</c> format; absent in <c>header.json</c>.</summary>
    public List<EvalSample>? Samples { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>What was evaluated: task, model, dataset, configuration.</summary>
public sealed record EvalSpec
{
    public string? EvalSetId { get; init; }
    public string EvalId { get; init; } = "";
    public string RunId { get; init; } = "";

    /// <summary>ISO-8601 creation time.</summary>
    public required string Created { get; init; }

    public required string Task { get; init; }
    public string TaskId { get; init; } = "";
    public JsonElement? TaskVersion { get; init; }
    public string? TaskDisplayName { get; init; }
    public List<string>? Tags { get; init; }
    public required EvalDataset Dataset { get; init; }
    public required string Model { get; init; }
    public EvalConfig Config { get; init; } = new();
    public string? Solver { get; init; }
    public Dictionary<string, string>? Packages { get; init; }
    public Dictionary<string, JsonElement>? Metadata { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>The dataset an eval ran over.</summary>
public sealed record EvalDataset
{
    public string? Name { get; init; }
    public string? Location { get; init; }
    public int? Samples { get; init; }
    public List<SampleId>? SampleIds { get; init; }
    public bool? Shuffled { get; init; }
}

/// <summary>Run configuration; every field is optional.</summary>
public sealed record EvalConfig
{
    public int? Epochs { get; init; }
    public int? MessageLimit { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>The solver plan.</summary>
public sealed record EvalPlan
{
    public string Name { get; init; } = "plan";
    public List<EvalPlanStep> Steps { get; init; } = [];
    public Dictionary<string, JsonElement> Config { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>One solver of the plan.</summary>
public sealed record EvalPlanStep
{
    public required string Solver { get; init; }
    public Dictionary<string, JsonElement> Params { get; init; } = [];
}

/// <summary>Aggregate results.</summary>
public sealed record EvalResults
{
    public int TotalSamples { get; init; }
    public int CompletedSamples { get; init; }
    public List<EvalScore> Scores { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>One scorer's aggregate metrics.</summary>
public sealed record EvalScore
{
    public required string Name { get; init; }
    public required string Scorer { get; init; }
    public int? ScoredSamples { get; init; }
    public int? UnscoredSamples { get; init; }
    public Dictionary<string, JsonElement> Params { get; init; } = [];
    public Dictionary<string, EvalMetric> Metrics { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>One metric value.</summary>
public sealed record EvalMetric
{
    public required string Name { get; init; }
    public required double Value { get; init; }
    public Dictionary<string, JsonElement> Params { get; init; } = [];
}

/// <summary>Timing and usage of the whole eval.</summary>
public sealed record EvalStats
{
    public string StartedAt { get; init; } = "";
    public string CompletedAt { get; init; } = "";
    public Dictionary<string, ModelUsage> ModelUsage { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>Token usage of one model.</summary>
public sealed record ModelUsage
{
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long TotalTokens { get; init; }
    public long? InputTokensCacheWrite { get; init; }
    public long? InputTokensCacheRead { get; init; }
    public long? ReasoningTokens { get; init; }
    public double? TotalCost { get; init; }
}

/// <summary>An error with its traceback (Inspect requires all three strings).</summary>
public sealed record EvalError
{
    public required string Message { get; init; }
    public string Traceback { get; init; } = "";
    public string TracebackAnsi { get; init; } = "";
}

/// <summary>One sample and epoch: <c>samples/{id}_epoch_{epoch}.json</c>.</summary>
public sealed record EvalSample
{
    public required SampleId Id { get; init; }

    /// <summary>1-based.</summary>
    public required int Epoch { get; init; }

    public required SampleInput Input { get; init; }
    public required SampleTarget Target { get; init; }
    public List<InspectMessage> Messages { get; init; } = [];
    public ModelOutput Output { get; init; } = new();
    public Dictionary<string, Score>? Scores { get; init; }
    public Dictionary<string, JsonElement> Metadata { get; init; } = [];
    public Dictionary<string, JsonElement> Store { get; init; } = [];
    public List<InspectEvent> Events { get; init; } = [];
    public Dictionary<string, ModelUsage> ModelUsage { get; init; } = [];
    public string? StartedAt { get; init; }
    public string? CompletedAt { get; init; }
    public double? TotalTime { get; init; }
    public double? WorkingTime { get; init; }
    public string? Uuid { get; init; }
    public EvalError? Error { get; init; }
    public Dictionary<string, string> Attachments { get; init; } = [];

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A row of <c>summaries.json</c>.</summary>
public sealed record EvalSampleSummary
{
    public required SampleId Id { get; init; }
    public required int Epoch { get; init; }
    public required SampleInput Input { get; init; }
    public required SampleTarget Target { get; init; }
    public Dictionary<string, JsonElement> Metadata { get; init; } = [];
    public Dictionary<string, Score>? Scores { get; init; }
    public Dictionary<string, ModelUsage> ModelUsage { get; init; } = [];
    public string? StartedAt { get; init; }
    public string? CompletedAt { get; init; }
    public double? TotalTime { get; init; }
    public double? WorkingTime { get; init; }
    public string? Uuid { get; init; }

    /// <summary>The error message, if the sample failed.</summary>
    public string? Error { get; init; }

    public bool Completed { get; init; } = true;
    public int? MessageCount { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A chat message; Inspect's union on <c>role</c> (system, user, assistant, tool) flattened into one record.</summary>
public sealed record InspectMessage
{
    public string? Id { get; init; }
    public required string Role { get; init; }
    public required MessageContent Content { get; init; }
    public string? Source { get; init; }
    public Dictionary<string, JsonElement>? Metadata { get; init; }

    /// <summary>Assistant only.</summary>
    public List<ToolCall>? ToolCalls { get; init; }

    /// <summary>Assistant only.</summary>
    public string? Model { get; init; }

    /// <summary>Tool only (and optionally user).</summary>
    public string? ToolCallId { get; init; }

    /// <summary>Tool only: the function that was called.</summary>
    public string? Function { get; init; }

    /// <summary>Tool only: <c>{type, message}</c>.</summary>
    public ToolCallError? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A content item (<c>text</c>, <c>reasoning</c>, or any other type kept as extra fields).</summary>
public sealed record ContentItem
{
    public required string Type { get; init; }
    public string? Text { get; init; }
    public string? Reasoning { get; init; }
    public string? Signature { get; init; }
    public bool? Redacted { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A tool call made by the assistant.</summary>
public sealed record ToolCall
{
    public required string Id { get; init; }
    public required string Function { get; init; }
    public Dictionary<string, JsonElement> Arguments { get; init; } = [];
    public string Type { get; init; } = "function";
    public string? ParseError { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>Why a tool call failed.</summary>
public sealed record ToolCallError
{
    public required string Type { get; init; }
    public required string Message { get; init; }
}

/// <summary>The model's final output.</summary>
public sealed record ModelOutput
{
    public string Model { get; init; } = "";
    public List<ChatCompletionChoice> Choices { get; init; } = [];
    public string Completion { get; init; } = "";
    public ModelUsage? Usage { get; init; }
    public double? Time { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>One choice of a model output.</summary>
public sealed record ChatCompletionChoice
{
    public required InspectMessage Message { get; init; }

    /// <summary>"stop", "max_tokens", "model_length", "tool_calls", "content_filter" or "unknown".</summary>
    public string StopReason { get; init; } = "unknown";
}

/// <summary>A score; <see cref="Value"/> is a string, number, bool, list or object.</summary>
public sealed record Score
{
    public required JsonElement Value { get; init; }
    public string? Answer { get; init; }
    public string? Explanation { get; init; }
    public Dictionary<string, JsonElement>? Metadata { get; init; }
    public List<JsonElement> History { get; init; } = [];
}

/// <summary>
/// A transcript event; Inspect's union on <c>event</c> flattened into one record. Offswitch writes
/// <c>model</c>, <c>tool</c>, <c>info</c> and <c>score</c> events; other types are read and kept in <see cref="Extra"/>.
/// </summary>
public sealed record InspectEvent
{
    [JsonPropertyName("event")]
    public required string Kind { get; init; }

    public string? Uuid { get; init; }
    public required string Timestamp { get; init; }
    public double WorkingStart { get; init; }
    public Dictionary<string, JsonElement>? Metadata { get; init; }

    // model
    public string? Model { get; init; }
    public List<InspectMessage>? Input { get; init; }
    public List<JsonElement>? Tools { get; init; }
    public JsonElement? ToolChoice { get; init; }
    public Dictionary<string, JsonElement>? Config { get; init; }
    public ModelOutput? Output { get; init; }

    // tool (Type, Id, Function, Arguments, Result, Events); also model (Error as text) and tool (Error as object)
    public string? Type { get; init; }
    public string? Id { get; init; }
    public string? Function { get; init; }
    public Dictionary<string, JsonElement>? Arguments { get; init; }
    public JsonElement? Result { get; init; }
    public JsonElement? Error { get; init; }
    public List<JsonElement>? Events { get; init; }
    public bool? Completed { get; init; }
    public double? WorkingTime { get; init; }

    // info
    public string? Source { get; init; }
    public JsonElement? Data { get; init; }

    // score
    public Score? Score { get; init; }
    public bool? Intermediate { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A sample id: Inspect allows an integer or a string.</summary>
[JsonConverter(typeof(SampleIdConverter))]
public readonly record struct SampleId(string Value, bool IsNumber)
{
    public static SampleId Of(string value) => new(value, false);

    public static SampleId Of(long value) => new(value.ToString(System.Globalization.CultureInfo.InvariantCulture), true);

    public override string ToString() => Value;
}

/// <summary>A sample's input: a string or a list of messages.</summary>
[JsonConverter(typeof(SampleInputConverter))]
public sealed record SampleInput(string? Text, IReadOnlyList<InspectMessage>? Messages)
{
    public static SampleInput Of(string text) => new(text, null);

    public static SampleInput Of(IReadOnlyList<InspectMessage> messages) => new(null, messages);
}

/// <summary>A sample's target: a string or a list of strings.</summary>
[JsonConverter(typeof(SampleTargetConverter))]
public sealed record SampleTarget(string? Text, IReadOnlyList<string>? Items)
{
    public static SampleTarget Of(string text) => new(text, null);
}

/// <summary>Message content: a string or a list of content items.</summary>
[JsonConverter(typeof(MessageContentConverter))]
public sealed record MessageContent(string? Text, IReadOnlyList<ContentItem>? Items)
{
    public static MessageContent Of(string text) => new(text, null);

    public static MessageContent Of(IReadOnlyList<ContentItem> items) => new(null, items);

    /// <summary>All text (string content, or the text items joined), without reasoning.</summary>
    public string PlainText() => Text ?? string.Join("\n", (Items ?? []).Where(i => i.Type == "text" && i.Text is not null).Select(i => i.Text));
}

internal sealed class SampleIdConverter : JsonConverter<SampleId>
{
    public override SampleId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => SampleId.Of(reader.GetInt64()),
        JsonTokenType.String => SampleId.Of(reader.GetString()!),
        _ => throw new JsonException("A sample id must be an integer or a string."),
    };

    public override void Write(Utf8JsonWriter writer, SampleId value, JsonSerializerOptions options)
    {
        if (value.IsNumber)
        {
            writer.WriteRawValue(value.Value);
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}

internal sealed class SampleInputConverter : JsonConverter<SampleInput>
{
    public override SampleInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? SampleInput.Of(reader.GetString()!)
            : SampleInput.Of(JsonSerializer.Deserialize<List<InspectMessage>>(ref reader, options) ?? []);

    public override void Write(Utf8JsonWriter writer, SampleInput value, JsonSerializerOptions options)
    {
        if (value.Messages is { } messages)
        {
            JsonSerializer.Serialize(writer, messages, options);
        }
        else
        {
            writer.WriteStringValue(value.Text ?? "");
        }
    }
}

internal sealed class SampleTargetConverter : JsonConverter<SampleTarget>
{
    public override SampleTarget Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? SampleTarget.Of(reader.GetString()!)
            : new SampleTarget(null, JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? []);

    public override void Write(Utf8JsonWriter writer, SampleTarget value, JsonSerializerOptions options)
    {
        if (value.Items is { } items)
        {
            JsonSerializer.Serialize(writer, items, options);
        }
        else
        {
            writer.WriteStringValue(value.Text ?? "");
        }
    }
}

internal sealed class MessageContentConverter : JsonConverter<MessageContent>
{
    public override MessageContent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? MessageContent.Of(reader.GetString()!)
            : MessageContent.Of(JsonSerializer.Deserialize<List<ContentItem>>(ref reader, options) ?? []);

    public override void Write(Utf8JsonWriter writer, MessageContent value, JsonSerializerOptions options)
    {
        if (value.Items is { } items)
        {
            JsonSerializer.Serialize(writer, items, options);
        }
        else
        {
            writer.WriteStringValue(value.Text ?? "");
        }
    }
}
