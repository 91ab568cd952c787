using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage.Postgres;

/// <summary>
/// An <see cref="IResultStore"/> on PostgreSQL, shared by many processes and machines, with the work queue that lets
/// several workers run one plan (<see cref="ITrialQueue"/>). The schema is created or upgraded on first use.
/// </summary>
public sealed partial class PostgresResultStore : IResultStore, ITrialQueue
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly string _display;
    private volatile bool _initialized;
    private bool _disposed;

    /// <summary>Describes a store; nothing is opened until first use (or <see cref="InitializeAsync"/>).</summary>
    /// <param name="connectionString">An Npgsql connection string (see <see cref="PostgresConnection.ToConnectionString"/>).</param>
    /// <param name="timeProvider">Clock for run and trial times (leases use the server's clock).</param>
    public PostgresResultStore(string connectionString, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _time = timeProvider ?? TimeProvider.System;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _display = $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>Opens a store, creating or upgrading its schema before returning.</summary>
    public static async Task<PostgresResultStore> OpenAsync(string connectionString, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = new PostgresResultStore(connectionString, timeProvider);
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

    /// <summary>Called inside the trial transaction just before commit; lets tests fail a save half-way.</summary>
    internal Func<CancellationToken, Task>? BeforeTrialCommit { get; set; }

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
                await MigrateAsync(cancellationToken);
                _initialized = true;
            }
        }
        finally
        {
            _initGate.Release();
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // Several workers may start at once against a new database: one migrates, the others wait here.
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgresSchema.MigrationLock})", cancellationToken);
            var hasVersionTable = (bool)(await ScalarAsync(connection, transaction, "SELECT to_regclass('schema_version') IS NOT NULL", cancellationToken))!;
            var version = 0;
            if (hasVersionTable)
            {
                version = Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT coalesce(max(version), 0) FROM schema_version", cancellationToken), CultureInfo.InvariantCulture);
                if (version > PostgresSchema.CurrentVersion)
                {
                    throw Unavailable(
                        $"it has store schema version {version}, newer than the versions this build knows (up to {PostgresSchema.CurrentVersion}); it was left untouched",
                        "use a newer Offswitch");
                }
            }
            else
            {
                if ((bool)(await ScalarAsync(connection, transaction, "SELECT to_regclass('runs') IS NOT NULL OR to_regclass('trials') IS NOT NULL", cancellationToken))!)
                {
                    throw Unavailable("the database has tables named runs or trials but no Offswitch schema version; it was left untouched", "use an empty database");
                }

                await ExecuteAsync(connection, transaction, "CREATE TABLE schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);
            }

            for (var next = version + 1; next <= PostgresSchema.CurrentVersion; next++)
            {
                await ExecuteAsync(connection, transaction, PostgresSchema.Migrations[next - 1], cancellationToken);
                await ExecuteAsync(connection, transaction, $"INSERT INTO schema_version (version) VALUES ({next})", cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable($"PostgreSQL refused ({ex.Message})", "check the address, the password, that the database exists and that this user may create tables in it", ex);
        }
    }

    /// <inheritdoc />
    public async Task<string> BeginRunAsync(ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var runId = NewRunId();
        await WriteAsync(async (connection, transaction, token) =>
        {
            await InsertRunAsync(connection, transaction, runId, plan, harnessVersion, token);
            return true;
        }, cancellationToken);
        return runId;
    }

    private string NewRunId() => $"{_time.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";

    private async Task InsertRunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string runId, ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO runs (id, plan_json, configuration_id, harness_version, seed, started_at, ended_at, status)
            VALUES (@id, @plan, @configuration, @harness, @seed, @started, NULL, @status)
            """, connection, transaction);
        command.Parameters.AddWithValue("id", runId);
        command.Parameters.AddWithValue("plan", JsonSerializer.Serialize(plan, JsonDefaults.Options));
        command.Parameters.AddWithValue("configuration", plan.ConfigurationId());
        command.Parameters.AddWithValue("harness", harnessVersion);
        command.Parameters.AddWithValue("seed", plan.Seed);
        command.Parameters.AddWithValue("started", FormatTime(_time.GetUtcNow()));
        command.Parameters.AddWithValue("status", RunStatuses.Running);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task EndRunAsync(string runId, string status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        var updated = await WriteAsync(async (connection, transaction, token) =>
        {
            await using var command = new NpgsqlCommand("UPDATE runs SET ended_at = @ended, status = @status WHERE id = @id", connection, transaction);
            command.Parameters.AddWithValue("id", runId);
            command.Parameters.AddWithValue("ended", FormatTime(_time.GetUtcNow()));
            command.Parameters.AddWithValue("status", status);
            return await command.ExecuteNonQueryAsync(token) == 1;
        }, cancellationToken);
        if (!updated)
        {
            throw new InvalidOperationException($"No run '{runId}' in the store {_display}.");
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlySet<TrialKey>> StoredKeysAsync(string configurationId, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var keys = new HashSet<TrialKey>();
        await using var command = _dataSource.CreateCommand("SELECT scenario, condition, model, trial_index FROM trials WHERE configuration_id = @configuration");
        command.Parameters.AddWithValue("configuration", configurationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new TrialKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return keys;
    }

    /// <inheritdoc />
    public Task<bool> SaveTrialAsync(TrialRecord trial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var insert = PrepareInsert(trial);
        return WriteAsync(async (connection, transaction, token) =>
        {
            var inserted = await insert(connection, transaction, token);
            if (BeforeTrialCommit is { } hook)
            {
                await hook(token);
            }

            return inserted;
        }, cancellationToken);
    }

    /// <summary>Serializes outside any transaction; the returned step inserts the row (first one wins).</summary>
    private static Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<bool>> PrepareInsert(TrialRecord trial)
    {
        var messagesJson = JsonSerializer.Serialize(trial.Messages, JsonDefaults.Messages);
        var eventsJson = JsonSerializer.Serialize(trial.Events, JsonDefaults.Options);
        var evidenceJson = JsonSerializer.Serialize(trial.Evidence, JsonDefaults.Options);
        var scoresJson = JsonSerializer.Serialize(trial.Scores, JsonDefaults.Options);
        return async (connection, transaction, token) =>
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO trials (
                    run_id, configuration_id, scenario, condition, model, trial_index, seed, is_control, status, outcome,
                    technique, error, stop_reason, evidence_json, scores_json, messages_json, events_json,
                    input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at, cost_usd)
                VALUES (
                    @run, @configuration, @scenario, @condition, @model, @index, @seed, @control, @status, @outcome,
                    @technique, @error, @stop, @evidence, @scores, @messages, @events,
                    @input, @output, @reasoning, @calls, @started, @ended, @cost)
                ON CONFLICT (configuration_id, scenario, condition, model, trial_index) DO NOTHING
                """, connection, transaction);
            var p = command.Parameters;
            p.AddWithValue("run", trial.RunId);
            p.AddWithValue("configuration", trial.ConfigurationId);
            p.AddWithValue("scenario", trial.Key.Scenario);
            p.AddWithValue("condition", trial.Key.Condition);
            p.AddWithValue("model", trial.Key.Model);
            p.AddWithValue("index", trial.Key.Index);
            p.AddWithValue("seed", trial.Seed);
            p.AddWithValue("control", trial.IsControl);
            p.AddWithValue("status", FormatStatus(trial.Status));
            p.AddWithValue("outcome", trial.Outcome);
            p.AddWithValue("technique", NpgsqlTypes.NpgsqlDbType.Text, (object?)trial.Technique ?? DBNull.Value);
            p.AddWithValue("error", NpgsqlTypes.NpgsqlDbType.Text, (object?)trial.Error ?? DBNull.Value);
            p.AddWithValue("stop", trial.StopReason);
            p.AddWithValue("evidence", evidenceJson);
            p.AddWithValue("scores", scoresJson);
            p.AddWithValue("messages", messagesJson);
            p.AddWithValue("events", eventsJson);
            p.AddWithValue("input", trial.Usage.InputTokens);
            p.AddWithValue("output", trial.Usage.OutputTokens);
            p.AddWithValue("reasoning", trial.Usage.ReasoningTokens);
            p.AddWithValue("calls", trial.Usage.ModelCalls);
            p.AddWithValue("started", FormatTime(trial.StartedAt));
            p.AddWithValue("ended", FormatTime(trial.EndedAt));
            p.AddWithValue("cost", NpgsqlTypes.NpgsqlDbType.Double, (object?)trial.CostUsd ?? DBNull.Value);
            return await command.ExecuteNonQueryAsync(token) == 1;
        };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RunRecord>> RunsAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var runs = new List<RunRecord>();
        await using var command = _dataSource.CreateCommand(
            "SELECT id, plan_json, configuration_id, harness_version, started_at, ended_at, status FROM runs ORDER BY started_at, seq");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new RunRecord(
                reader.GetString(0),
                Deserialize<ExperimentPlan>(reader.GetString(1), JsonDefaults.Options),
                reader.GetString(2),
                reader.GetString(3),
                ParseTime(reader.GetString(4)),
                reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5)),
                reader.GetString(6)));
        }

        return runs;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TrialSummary>> TrialSummariesAsync(TrialQuery? query = null, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var summaries = new List<TrialSummary>();
        await using var command = _dataSource.CreateCommand(
            """
            SELECT id, run_id, configuration_id, scenario, condition, model, trial_index, is_control, status, outcome,
                   technique, error, input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at, cost_usd,
                   scores_json
            FROM trials
            WHERE (@run::text IS NULL OR run_id = @run) AND (@scenario::text IS NULL OR scenario = @scenario)
              AND (@configuration::text IS NULL OR configuration_id = @configuration)
            ORDER BY id
            """);
        command.Parameters.AddWithValue("run", NpgsqlTypes.NpgsqlDbType.Text, (object?)query?.RunId ?? DBNull.Value);
        command.Parameters.AddWithValue("scenario", NpgsqlTypes.NpgsqlDbType.Text, (object?)query?.Scenario ?? DBNull.Value);
        command.Parameters.AddWithValue("configuration", NpgsqlTypes.NpgsqlDbType.Text, (object?)query?.ConfigurationId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            summaries.Add(StoredValues.ReadSummary(reader, _display));
        }

        return summaries;
    }

    /// <inheritdoc />
    public async Task<TrialRecord?> GetTrialAsync(long id, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            """
            SELECT id, run_id, configuration_id, scenario, condition, model, trial_index, seed, is_control, status,
                   outcome, technique, error, stop_reason, evidence_json, scores_json, messages_json, events_json,
                   input_tokens, output_tokens, reasoning_tokens, model_calls, started_at, ended_at, cost_usd
            FROM trials WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return StoredValues.ReadTrial(reader, _display);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _dataSource.DisposeAsync();
        _initGate.Dispose();
    }

    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private StoreUnavailableException Unavailable(string problem, string fix, Exception? inner = null) =>
        new($"Cannot use {_display} as an Offswitch store: {problem}. Fix: {fix}.", inner);

    private T Deserialize<T>(string json, JsonSerializerOptions options) => StoredValues.Deserialize<T>(json, options, _display);

    private static string FormatTime(DateTimeOffset value) => StoredValues.FormatTime(value);

    private static DateTimeOffset ParseTime(string value) => StoredValues.ParseTime(value);

    private static string FormatStatus(TrialStatus status) => StoredValues.FormatStatus(status);

}
