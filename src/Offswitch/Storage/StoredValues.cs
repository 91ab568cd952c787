using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>
/// How values are written into, and read back from, every store's columns. One definition, so that a trial copied
/// between SQLite and PostgreSQL comes back byte for byte.
/// </summary>
internal static class StoredValues
{
    // Fixed-width UTC text sorts in time order, which run listings rely on.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.ParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static string FormatStatus(TrialStatus status) => status switch
    {
        TrialStatus.Completed => "completed",
        TrialStatus.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown trial status."),
    };

    /// <param name="store">The store, named in the error.</param>
    public static TrialStatus ParseStatus(string value, string store) => value switch
    {
        "completed" => TrialStatus.Completed,
        "error" => TrialStatus.Error,
        _ => throw new InvalidDataException($"Unknown trial status '{value}' in {store}."),
    };

    /// <summary>
    /// Reads a trial summary from the shared column layout: id, run_id, configuration_id, scenario, condition, model,
    /// trial_index, is_control, status, outcome, technique, error, input_tokens, output_tokens, reasoning_tokens,
    /// model_calls, started_at, ended_at, cost_usd (or NULL), scores_json — columns 0 to 19.
    /// </summary>
    /// <param name="store">The store, named in errors.</param>
    public static TrialSummary ReadSummary(DbDataReader reader, string store) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        new TrialKey(reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt32(6)),
        reader.GetBoolean(7),
        ParseStatus(reader.GetString(8), store),
        reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        new Usage(reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt32(15)),
        ParseTime(reader.GetString(16)),
        ParseTime(reader.GetString(17)),
        reader.IsDBNull(18) ? null : reader.GetDouble(18))
    {
        Scores = Deserialize<Dictionary<string, double?>>(reader.GetString(19), JsonDefaults.Options, store),
    };

    /// <summary>
    /// Reads a whole trial from the shared column layout: id, run_id, configuration_id, scenario, condition, model,
    /// trial_index, seed, is_control, status, outcome, technique, error, stop_reason, evidence_json, scores_json,
    /// messages_json, events_json, input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at,
    /// cost_usd (or NULL) — columns 0 to 24.
    /// </summary>
    /// <param name="store">The store, named in errors.</param>
    public static TrialRecord ReadTrial(DbDataReader reader, string store) => new()
    {
        Id = reader.GetInt64(0),
        RunId = reader.GetString(1),
        ConfigurationId = reader.GetString(2),
        Key = new TrialKey(reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt32(6)),
        Seed = reader.GetInt32(7),
        IsControl = reader.GetBoolean(8),
        Status = ParseStatus(reader.GetString(9), store),
        Outcome = reader.GetString(10),
        Technique = reader.IsDBNull(11) ? null : reader.GetString(11),
        Error = reader.IsDBNull(12) ? null : reader.GetString(12),
        StopReason = reader.GetString(13),
        Evidence = Deserialize<Dictionary<string, string>>(reader.GetString(14), JsonDefaults.Options, store),
        Scores = Deserialize<Dictionary<string, double?>>(reader.GetString(15), JsonDefaults.Options, store),
        Messages = Deserialize<List<ChatMessage>>(reader.GetString(16), JsonDefaults.Messages, store),
        Events = Deserialize<List<TrialEvent>>(reader.GetString(17), JsonDefaults.Options, store),
        Usage = new Usage(reader.GetInt64(18), reader.GetInt64(19), reader.GetInt64(20), reader.GetInt32(21)),
        StartedAt = ParseTime(reader.GetString(22)),
        EndedAt = ParseTime(reader.GetString(23)),
        CostUsd = reader.IsDBNull(24) ? null : reader.GetDouble(24),
    };

    /// <param name="store">The store, named in the error.</param>
    public static T Deserialize<T>(string json, JsonSerializerOptions options, string store) =>
        JsonSerializer.Deserialize<T>(json, options) ?? throw new InvalidDataException($"A stored JSON column in {store} is null.");
}
