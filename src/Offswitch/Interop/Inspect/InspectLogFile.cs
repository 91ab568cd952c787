using System.Globalization;
using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Offswitch.Interop.Inspect;

/// <summary>A whole <c>.eval</c> log in memory: the header, the sample summaries and the samples.</summary>
/// <param name="Header">The contents of <c>header.json</c> (the log without samples).</param>
/// <param name="Summaries">The rows of <c>summaries.json</c>.</param>
/// <param name="Samples">One per <c>samples/{id}_epoch_{epoch}.json</c>, ordered by epoch, then id.</param>
public sealed record InspectLog(EvalLog Header, IReadOnlyList<EvalSampleSummary> Summaries, IReadOnlyList<EvalSample> Samples);

/// <summary>Constants and naming rules of Inspect's <c>.eval</c> format.</summary>
public static partial class InspectLogFormat
{
    /// <summary>Log schema version this code writes and the highest it reads.</summary>
    public const int SchemaVersion = 2;

    public const string HeaderEntry = "header.json";
    public const string SummariesEntry = "summaries.json";
    public const string SamplesFolder = "samples/";
    public const string JournalStartEntry = "_journal/start.json";
    public const string JournalSummariesFolder = "_journal/summaries/";

    /// <summary>The ZIP entry of one sample and epoch.</summary>
    public static string SampleEntry(SampleId id, int epoch) => $"{SamplesFolder}{id.Value}_epoch_{epoch.ToString(CultureInfo.InvariantCulture)}.json";

    /// <summary>
    /// Inspect's file name, <c>{created}_{task}_{task_id}.eval</c>, with <c>_ / : +</c> in the time and task replaced by
    /// <c>-</c> (as Inspect's listing expects, so that it can parse task and id from the name).
    /// </summary>
    public static string FileName(DateTimeOffset created, string task, string taskId) =>
        $"{Clean(FormatTime(created, fractional: false))}_{Clean(task)}_{taskId}.eval";

    /// <summary>An ISO-8601 time with an explicit offset, as Python's <c>isoformat</c> writes it.</summary>
    public static string FormatTime(DateTimeOffset time, bool fractional = true) =>
        time.ToUniversalTime().ToString(fractional ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'" : "yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO-8601 time from a log; null when absent or unreadable.</summary>
    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;

    private static string Clean(string component) => UnsafeCharacters().Replace(component, "-");

    [GeneratedRegex("[_/:+]")]
    private static partial Regex UnsafeCharacters();
}

/// <summary>The JSON settings for Inspect logs: snake_case names, nulls omitted, non-ASCII text kept readable.</summary>
public static class InspectJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Reads and writes <c>.eval</c> files (ZIP archives, Deflate).</summary>
public static class InspectLogFile
{
    /// <summary>Writes <paramref name="log"/> to <paramref name="path"/>: samples first, then summaries, then the header last, as Inspect does.</summary>
    public static async Task WriteAsync(string path, InspectLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var temporary = path + ".partial";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await WriteAsync(file, log, cancellationToken);
        }

        // A reader never sees a half-written log.
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="log"/> as a ZIP archive into <paramref name="stream"/>.</summary>
    public static async Task WriteAsync(Stream stream, InspectLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        await using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var sample in log.Samples)
        {
            await WriteEntryAsync(zip, InspectLogFormat.SampleEntry(sample.Id, sample.Epoch), sample, cancellationToken);
        }

        await WriteEntryAsync(zip, InspectLogFormat.SummariesEntry, log.Summaries, cancellationToken);
        await WriteEntryAsync(zip, InspectLogFormat.HeaderEntry, log.Header, cancellationToken);
    }

    /// <summary>
    /// Reads a <c>.eval</c> file. Without <c>header.json</c> (a run still in progress or crashed) the header comes from
    /// <c>_journal/start.json</c> and the summaries from <c>_journal/summaries/</c>. A sample written twice: the last wins.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a ZIP, a newer schema version, or an entry this reader cannot decompress.</exception>
    public static Task<InspectLog> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        ReadAsync(path, DecompressionBudget.Default(), cancellationToken);

    /// <inheritdoc cref="ReadAsync(string, CancellationToken)"/>
    internal static async Task<InspectLog> ReadAsync(string path, DecompressionBudget budget, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            // The single-file format (also what `inspect log dump` prints): one EvalLog with its samples.
            EvalLog log;
            try
            {
                await using var capped = new CappedReadStream(file, budget, path);
                log = await JsonSerializer.DeserializeAsync<EvalLog>(capped, InspectJson.Options, cancellationToken)
                    ?? throw new InvalidDataException($"{path} is empty.");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path} is not an Inspect JSON log ({ex.Message}).", ex);
            }

            return new InspectLog(log with { Samples = null }, [], log.Samples ?? []);
        }

        return await ReadAsync(file, name: path, budget, cancellationToken);
    }

    /// <summary>Reads a <c>.eval</c> archive from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public static Task<InspectLog> ReadAsync(Stream stream, string name, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, name, DecompressionBudget.Default(), cancellationToken);

    private static async Task<InspectLog> ReadAsync(Stream stream, string name, DecompressionBudget budget, CancellationToken cancellationToken)
    {
        ZipArchive zip;
        try
        {
            zip = await ZipArchive.CreateAsync(stream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{name} is not an Inspect .eval log (not a ZIP archive: {ex.Message}).", ex);
        }

        await using (zip)
        {
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                entries[entry.FullName] = entry;
            }

            EvalLog header;
            if (entries.TryGetValue(InspectLogFormat.HeaderEntry, out var headerEntry))
            {
                header = await ReadEntryAsync<EvalLog>(headerEntry, name, budget, cancellationToken);
            }
            else if (entries.TryGetValue(InspectLogFormat.JournalStartEntry, out var startEntry))
            {
                var start = await ReadEntryAsync<JournalStart>(startEntry, name, budget, cancellationToken);
                header = new EvalLog { Version = start.Version, Status = "started", Eval = start.Eval, Plan = start.Plan ?? new EvalPlan() };
            }
            else
            {
                throw new InvalidDataException($"{name} has neither {InspectLogFormat.HeaderEntry} nor {InspectLogFormat.JournalStartEntry}: it is not an Inspect .eval log.");
            }

            if (header.Version > InspectLogFormat.SchemaVersion)
            {
                throw new InvalidDataException($"{name} uses log schema version {header.Version}; this reader knows versions up to {InspectLogFormat.SchemaVersion}.");
            }

            List<EvalSampleSummary> summaries = [];
            if (entries.TryGetValue(InspectLogFormat.SummariesEntry, out var summariesEntry))
            {
                summaries = await ReadEntryAsync<List<EvalSampleSummary>>(summariesEntry, name, budget, cancellationToken);
            }
            else
            {
                foreach (var (_, entry) in entries
                    .Where(e => e.Key.StartsWith(InspectLogFormat.JournalSummariesFolder, StringComparison.Ordinal) && e.Key.EndsWith(".json", StringComparison.Ordinal))
                    .Select(e => (Number: int.TryParse(Path.GetFileNameWithoutExtension(e.Key), CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue, Entry: e.Value))
                    .OrderBy(e => e.Number))
                {
                    summaries.AddRange(await ReadEntryAsync<List<EvalSampleSummary>>(entry, name, budget, cancellationToken));
                }
            }

            // Entries keep archive order in zip.Entries; the dictionary above already kept the last of duplicates.
            var samples = new List<EvalSample>();
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(InspectLogFormat.SamplesFolder, StringComparison.Ordinal) && e.FullName.EndsWith(".json", StringComparison.Ordinal)))
            {
                if (!ReferenceEquals(entries[entry.FullName], entry))
                {
                    continue;
                }

                samples.Add(await ReadEntryAsync<EvalSample>(entry, name, budget, cancellationToken));
            }

            return new InspectLog(header, summaries, [.. samples.OrderBy(s => s.Epoch).ThenBy(s => SortKey(s.Id), StringComparer.Ordinal)]);
        }
    }

    // Inspect sorts numeric ids numerically; padding does the same for an ordinal string sort.
    private static string SortKey(SampleId id) => id.IsNumber ? id.Value.PadLeft(20, '0') : id.Value;

    private static async Task WriteEntryAsync<T>(ZipArchive zip, string entryName, T value, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(stream, value, InspectJson.Options, cancellationToken);
    }

    private static async Task<T> ReadEntryAsync<T>(ZipArchiveEntry entry, string name, DecompressionBudget budget, CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = await entry.OpenAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            // Inspect 0.3.206 and later compress entries with Zstandard (ZIP method 93), which System.IO.Compression cannot decode.
            throw new InvalidDataException(
                $"{name}: cannot decompress entry '{entry.FullName}' ({ex.Message}). Logs written by recent Inspect versions use Zstandard; " +
                "print it as JSON with `inspect log dump FILE > log.json` and import that file instead.",
                ex);
        }

        await using (var capped = new CappedReadStream(stream, budget, $"{name}: entry '{entry.FullName}'"))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<T>(capped, InspectJson.Options, cancellationToken)
                    ?? throw new InvalidDataException($"{name}: entry '{entry.FullName}' is null.");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{name}: entry '{entry.FullName}' does not match the log schema ({ex.Message}).", ex);
            }
        }
    }

    private sealed record JournalStart
    {
        public int Version { get; init; } = InspectLogFormat.SchemaVersion;
        public required EvalSpec Eval { get; init; }
        public EvalPlan? Plan { get; init; }
    }
}
