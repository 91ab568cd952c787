using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>
/// The default <see cref="IResultStore"/>: one SQLite file in WAL mode, so a report can read while a run writes.
/// Writes from one process are serialized here; writers in other processes wait on SQLite's busy timeout.
/// A file that is not an Offswitch store is never modified.
/// </summary>
public sealed partial class SqliteResultStore : IResultStore
{
    private const int BusyTimeoutMilliseconds = 30_000;
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private string _connectionString;
    private volatile bool _initialized;
    private int _schemaVersion = SqliteSchema.CurrentVersion;
    private bool _disposed;

    /// <summary>Describes a store file; nothing is opened or created until first use (or <see cref="InitializeAsync"/>).</summary>
    /// <param name="path">The database file.</param>
    /// <param name="readOnly">
    /// Open for reading only: the file must already be a store; it is never created, migrated or written.
    /// Otherwise a missing file (and its directory) is created.
    /// </param>
    /// <param name="timeProvider">Clock for run start and end times.</param>
    public SqliteResultStore(string path, bool readOnly = false, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        ReadOnly = readOnly;
        _time = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    /// <summary>Whether this instance only reads.</summary>
    public bool ReadOnly { get; }

    // A read-only store of an older version stays readable: columns it lacks read as NULL (unknown).
    private string CostColumn => _schemaVersion >= 2 ? "cost_usd" : "NULL";

    /// <summary>Called inside the trial transaction just before commit; lets tests fail a save half-way.</summary>
    internal Func<CancellationToken, Task>? BeforeTrialCommit { get; set; }

    /// <summary>Opens (and in write mode creates or upgrades) a store, validating it before returning.</summary>
    public static async Task<SqliteResultStore> OpenAsync(string path, bool readOnly = false, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = new SqliteResultStore(path, readOnly, timeProvider);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized)
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken);
        try
        {
            if (!_initialized)
            {
                await OpenOrCreateAsync(cancellationToken);
                _initialized = true;
            }
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<string> BeginRunAsync(ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var startedAt = _time.GetUtcNow();
        var runId = $"{startedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        var planJson = JsonSerializer.Serialize(plan, JsonDefaults.Options);

        await WriteAsync(async (connection, transaction, token) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO runs (id, plan_json, configuration_id, harness_version, seed, started_at, ended_at, status)
                VALUES ($id, $plan, $configuration, $harness, $seed, $started, NULL, $status)
                """;
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$plan", planJson);
            command.Parameters.AddWithValue("$configuration", plan.ConfigurationId());
            command.Parameters.AddWithValue("$harness", harnessVersion);
            command.Parameters.AddWithValue("$seed", plan.Seed);
            command.Parameters.AddWithValue("$started", FormatTime(startedAt));
            command.Parameters.AddWithValue("$status", RunStatuses.Running);
            await command.ExecuteNonQueryAsync(token);
            return true;
        }, cancellationToken);
        return runId;
    }

    /// <inheritdoc />
    public async Task EndRunAsync(string runId, string status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        var endedAt = _time.GetUtcNow();
        var updated = await WriteAsync(async (connection, transaction, token) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE runs SET ended_at = $ended, status = $status WHERE id = $id";
            command.Parameters.AddWithValue("$id", runId);
            command.Parameters.AddWithValue("$ended", FormatTime(endedAt));
            command.Parameters.AddWithValue("$status", status);
            return await command.ExecuteNonQueryAsync(token) == 1;
        }, cancellationToken);

        if (!updated)
        {
            throw new InvalidOperationException($"No run '{runId}' in the store {Path}.");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<TrialKey>> StoredKeysAsync(string configurationId, CancellationToken cancellationToken = default)
    {
        var keys = new HashSet<TrialKey>();
        await ReadAsync(async (connection, token) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT scenario, condition, model, trial_index FROM trials WHERE configuration_id = $configuration";
            command.Parameters.AddWithValue("$configuration", configurationId);
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                keys.Add(new TrialKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
            }
        }, cancellationToken);
        return keys;
    }

    /// <inheritdoc />
    public async Task<bool> SaveTrialAsync(TrialRecord trial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trial);

        // Serialize before taking the write lock: the lock should cover only the database work.
        var messagesJson = JsonSerializer.Serialize(trial.Messages, JsonDefaults.Messages);
        var eventsJson = JsonSerializer.Serialize(trial.Events, JsonDefaults.Options);
        var evidenceJson = JsonSerializer.Serialize(trial.Evidence, JsonDefaults.Options);
        var scoresJson = JsonSerializer.Serialize(trial.Scores, JsonDefaults.Options);
        var text = TranscriptText.Of(trial.Messages, trial.Events);

        return await WriteAsync(async (connection, transaction, token) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO trials (
                    run_id, configuration_id, scenario, condition, model, trial_index, seed, is_control, status, outcome,
                    technique, error, stop_reason, evidence_json, scores_json, messages_json, events_json,
                    input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at, cost_usd)
                VALUES (
                    $run, $configuration, $scenario, $condition, $model, $index, $seed, $control, $status, $outcome,
                    $technique, $error, $stop, $evidence, $scores, $messages, $events,
                    $input, $output, $reasoning, $calls, $started, $ended, $cost)
                ON CONFLICT (configuration_id, scenario, condition, model, trial_index) DO NOTHING
                """;
            var p = command.Parameters;
            p.AddWithValue("$run", trial.RunId);
            p.AddWithValue("$configuration", trial.ConfigurationId);
            p.AddWithValue("$scenario", trial.Key.Scenario);
            p.AddWithValue("$condition", trial.Key.Condition);
            p.AddWithValue("$model", trial.Key.Model);
            p.AddWithValue("$index", trial.Key.Index);
            p.AddWithValue("$seed", trial.Seed);
            p.AddWithValue("$control", trial.IsControl);
            p.AddWithValue("$status", FormatStatus(trial.Status));
            p.AddWithValue("$outcome", trial.Outcome);
            p.AddWithValue("$technique", (object?)trial.Technique ?? DBNull.Value);
            p.AddWithValue("$error", (object?)trial.Error ?? DBNull.Value);
            p.AddWithValue("$stop", trial.StopReason);
            p.AddWithValue("$evidence", evidenceJson);
            p.AddWithValue("$scores", scoresJson);
            p.AddWithValue("$messages", messagesJson);
            p.AddWithValue("$events", eventsJson);
            p.AddWithValue("$input", trial.Usage.InputTokens);
            p.AddWithValue("$output", trial.Usage.OutputTokens);
            p.AddWithValue("$reasoning", trial.Usage.ReasoningTokens);
            p.AddWithValue("$calls", trial.Usage.ModelCalls);
            p.AddWithValue("$started", FormatTime(trial.StartedAt));
            p.AddWithValue("$ended", FormatTime(trial.EndedAt));
            p.AddWithValue("$cost", (object?)trial.CostUsd ?? DBNull.Value);
            var inserted = await command.ExecuteNonQueryAsync(token) == 1;
            if (inserted)
            {
                await using var rowid = connection.CreateCommand();
                rowid.Transaction = transaction;
                rowid.CommandText = "SELECT last_insert_rowid()";
                var id = Convert.ToInt64(await rowid.ExecuteScalarAsync(token), CultureInfo.InvariantCulture);
                await SqliteTextIndex.InsertAsync(connection, transaction, id, text, token);
            }

            if (BeforeTrialCommit is { } hook)
            {
                await hook(token);
            }

            return inserted;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> RunsAsync(CancellationToken cancellationToken = default)
    {
        var runs = new List<RunRecord>();
        await ReadAsync(async (connection, token) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT id, plan_json, configuration_id, harness_version, started_at, ended_at, status
                FROM runs ORDER BY started_at, rowid
                """;
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var plan = JsonSerializer.Deserialize<ExperimentPlan>(reader.GetString(1), JsonDefaults.Options)
                    ?? throw new InvalidDataException($"Run '{reader.GetString(0)}' in {Path} has an empty plan.");
                runs.Add(new RunRecord(
                    reader.GetString(0),
                    plan,
                    reader.GetString(2),
                    reader.GetString(3),
                    ParseTime(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5)),
                    reader.GetString(6)));
            }
        }, cancellationToken);
        return runs;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrialSummary>> TrialSummariesAsync(TrialQuery? query = null, CancellationToken cancellationToken = default)
    {
        var summaries = new List<TrialSummary>();
        await ReadAsync(async (connection, token) =>
        {
            await using var command = connection.CreateCommand();
            var sql = new StringBuilder($$"""
                SELECT {{SummaryColumns}}
                FROM trials t WHERE 1 = 1
                """);
            if (query?.RunId is { } runId)
            {
                sql.Append(" AND run_id = $run");
                command.Parameters.AddWithValue("$run", runId);
            }

            if (query?.Scenario is { } scenario)
            {
                sql.Append(" AND scenario = $scenario");
                command.Parameters.AddWithValue("$scenario", scenario);
            }

            if (query?.ConfigurationId is { } configurationId)
            {
                sql.Append(" AND configuration_id = $configuration");
                command.Parameters.AddWithValue("$configuration", configurationId);
            }

            sql.Append(" ORDER BY id");
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                summaries.Add(StoredValues.ReadSummary(reader, Path));
            }
        }, cancellationToken);
        return summaries;
    }

    /// <inheritdoc />
    public async Task<TrialRecord?> GetTrialAsync(long id, CancellationToken cancellationToken = default)
    {
        TrialRecord? trial = null;
        await ReadAsync(async (connection, token) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $$"""
                SELECT id, run_id, configuration_id, scenario, condition, model, trial_index, seed, is_control, status,
                       outcome, technique, error, stop_reason, evidence_json, scores_json, messages_json, events_json,
                       input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at, {{CostColumn}}
                FROM trials WHERE id = $id
                """;
            command.Parameters.AddWithValue("$id", id);
            await using var reader = await command.ExecuteReaderAsync(token);
            if (!await reader.ReadAsync(token))
            {
                return;
            }

            trial = StoredValues.ReadTrial(reader, Path);
        }, cancellationToken);
        return trial;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;

        // Pooled connections hold the file open; release them so the file can be moved or deleted.
        foreach (var mode in (SqliteOpenMode[])[SqliteOpenMode.ReadOnly, SqliteOpenMode.ReadWrite, SqliteOpenMode.ReadWriteCreate])
        {
            using var connection = new SqliteConnection(CreateConnectionString(mode));
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        _initGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task OpenOrCreateAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(Path))
        {
            throw Unavailable("it is a directory, not a database file", $"pass a file path such as {System.IO.Path.Combine(Path, "results.db")}");
        }

        var exists = File.Exists(Path);
        if (!exists && ReadOnly)
        {
            throw new StoreUnavailableException($"no store at {Path} — run `offswitch run` first (or pass the path of an existing store).");
        }

        if (exists && !HasSqliteHeaderOrIsEmpty())
        {
            throw Unavailable("the file is not an SQLite database, so it cannot be an Offswitch store; it was left untouched", "choose another store path, or move this file away");
        }

        if (exists && ReadOnly)
        {
            await UseImmutableIfUnopenableAsync(cancellationToken);
        }

        var version = exists ? await InspectAsync(cancellationToken) : 0;
        if (ReadOnly)
        {
            if (version == 0)
            {
                throw new StoreUnavailableException($"no store at {Path} (the database is empty) — run `offswitch run` first (or pass the path of an existing store).");
            }

            // Every older layout is readable: the migrations only add columns, and missing ones read as unknown.
            _schemaVersion = version;
            return;
        }

        if (!exists)
        {
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
            {
                try
                {
                    Directory.CreateDirectory(directory);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw Unavailable($"its directory cannot be created ({ex.Message})", "choose a writable location for the store", ex);
                }
            }
        }

        await MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// A store in WAL mode needs its <c>-shm</c> file even to be read; on a read-only medium (a read-only mount, a
    /// directory the reader cannot write, a snapshot) SQLite cannot create it and refuses to open. When nothing is
    /// waiting in the <c>-wal</c> file, the database file alone is the whole store, and SQLite reads it as immutable.
    /// </summary>
    private async Task UseImmutableIfUnopenableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = await OpenConnectionAsync(CreateConnectionString(SqliteOpenMode.ReadOnly), cancellationToken);
            await ScalarAsync(probe, "SELECT count(*) FROM sqlite_schema", cancellationToken);
            return;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 14 or 8)   // SQLITE_CANTOPEN, SQLITE_READONLY
        {
            var wal = new FileInfo(Path + "-wal");
            if (wal.Exists && wal.Length > 0)
            {
                throw Unavailable(
                    $"it cannot be opened for reading here ({ex.Message}), and its write-ahead log {wal.Name} holds changes not yet in the database file",
                    "copy the store with its -wal file to a writable directory and read the copy", ex);
            }
        }

        SqliteConnection.ClearAllPools();
        var uri = "file:" + Uri.EscapeDataString(Path).Replace("%2F", "/", StringComparison.Ordinal) + "?immutable=1";
        _connectionString = new SqliteConnectionStringBuilder(_connectionString) { DataSource = uri, Mode = SqliteOpenMode.ReadOnly }.ToString();
    }

    private bool HasSqliteHeaderOrIsEmpty()
    {
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length == 0)
            {
                // SQLite treats a zero-length file as an empty database; it holds nothing to lose.
                return true;
            }

            Span<byte> header = stackalloc byte[16];
            return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual(SqliteHeader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unavailable($"the file cannot be read ({ex.Message})", "check the file's permissions, or choose another store path", ex);
        }
    }

    /// <summary>Reads the schema version of an existing file without writing to it; 0 for an empty database.</summary>
    private async Task<int> InspectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(CreateConnectionString(SqliteOpenMode.ReadOnly), cancellationToken);
            var applicationId = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA application_id", cancellationToken), CultureInfo.InvariantCulture);
            var objects = Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM sqlite_schema", cancellationToken), CultureInfo.InvariantCulture);
            if (objects == 0 && applicationId == 0)
            {
                return 0;
            }

            var hasVersionTable = Convert.ToInt64(
                await ScalarAsync(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'", cancellationToken),
                CultureInfo.InvariantCulture) == 1;
            if (applicationId != SqliteSchema.ApplicationId || !hasVersionTable)
            {
                throw Unavailable(
                    "it is an SQLite database but not an Offswitch store (no Offswitch schema version); it was left untouched",
                    "choose another store path (a new file is created on first use)");
            }

            var version = await ScalarAsync(connection, "SELECT max(version) FROM schema_version", cancellationToken);
            if (version is not long known || known < 1)
            {
                throw Unavailable("its schema_version table holds no valid version, so its layout is unknown; it was left untouched", "choose another store path");
            }

            if (known > SqliteSchema.CurrentVersion)
            {
                throw Unavailable(
                    $"it has store schema version {known}, newer than the versions this build knows (up to {SqliteSchema.CurrentVersion}); it was left untouched",
                    "use a newer Offswitch to read it, or choose another store path");
            }

            return (int)known;
        }
        catch (SqliteException ex)
        {
            throw Unavailable($"SQLite cannot read it ({ex.Message})", "check that it is an intact store and that the file and its directory are readable", ex);
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(CreateConnectionString(SqliteOpenMode.ReadWriteCreate), cancellationToken);
            var mode = await ScalarAsync(connection, "PRAGMA journal_mode = WAL", cancellationToken) as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw Unavailable($"SQLite refused write-ahead logging (journal mode '{mode}')", "put the store on a local file system");
            }

            // Another process may be migrating at the same moment: re-read the version under the write lock.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var hasVersionTable = Convert.ToInt64(
                await ScalarAsync(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'", cancellationToken, transaction),
                CultureInfo.InvariantCulture) == 1;
            var version = 0;
            if (hasVersionTable)
            {
                version = Convert.ToInt32(await ScalarAsync(connection, "SELECT coalesce(max(version), 0) FROM schema_version", cancellationToken, transaction), CultureInfo.InvariantCulture);
            }
            else
            {
                await ExecuteAsync(connection, transaction, $"""
                    PRAGMA application_id = {SqliteSchema.ApplicationId};
                    CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
                    """, cancellationToken);
            }

            for (var next = version + 1; next <= SqliteSchema.CurrentVersion; next++)
            {
                await ExecuteAsync(connection, transaction, SqliteSchema.Migrations[next - 1], cancellationToken);
                await using var record = connection.CreateCommand();
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($version, $at)";
                record.Parameters.AddWithValue("$version", next);
                record.Parameters.AddWithValue("$at", FormatTime(_time.GetUtcNow()));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await SqliteTextIndex.EnsureAsync(connection, transaction, FormatTime(_time.GetUtcNow()), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw Unavailable($"SQLite cannot create or update it ({ex.Message})", "check that the file and its directory are writable and not used by another program", ex);
        }
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (ReadOnly)
        {
            throw new InvalidOperationException($"The store {Path} was opened read-only.");
        }

        await InitializeAsync(cancellationToken);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken);

            // IMMEDIATE: take the write lock up front, so a writer in another process makes us wait rather than fail.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadAsync(Func<SqliteConnection, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        await using var connection = await OpenConnectionAsync(_connectionString, cancellationToken);
        await work(connection, cancellationToken);
    }

    private static async Task<SqliteConnection> OpenConnectionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private string CreateConnectionString(SqliteOpenMode mode) => new SqliteConnectionStringBuilder(_connectionString) { Mode = mode }.ToString();

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private StoreUnavailableException Unavailable(string problem, string fix, Exception? inner = null) =>
        new($"Cannot use {Path} as an Offswitch store: {problem}. Fix: {fix}.", inner);

    private T Deserialize<T>(string json, JsonSerializerOptions options) => StoredValues.Deserialize<T>(json, options, Path);

    private static string FormatTime(DateTimeOffset value) => StoredValues.FormatTime(value);

    private static DateTimeOffset ParseTime(string value) => StoredValues.ParseTime(value);

    private static string FormatStatus(TrialStatus status) => StoredValues.FormatStatus(status);

}
