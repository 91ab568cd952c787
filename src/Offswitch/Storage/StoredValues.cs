using System.Globalization;
using System.Text.Json;

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

    /// <param name="store">The store, named in the error.</param>
    public static T Deserialize<T>(string json, JsonSerializerOptions options, string store) =>
        JsonSerializer.Deserialize<T>(json, options) ?? throw new InvalidDataException($"A stored JSON column in {store} is null.");
}
