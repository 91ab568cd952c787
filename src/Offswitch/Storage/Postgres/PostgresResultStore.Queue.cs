using Npgsql;
using NpgsqlTypes;
using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Storage.Postgres;

public sealed partial class PostgresResultStore
{
    /// <inheritdoc />
    public async Task<QueuedPlan> RegisterPlanAsync(ExperimentPlan plan, string harnessVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Stopping is not null)
        {
            throw new InvalidOperationException("A plan with a stopping rule (--until-width / --until-decided) decides its next batch from results, so it cannot be queued for workers; run it with `offswitch run` instead.");
        }

        var configurationId = plan.ConfigurationId();
        var stored = await StoredKeysAsync(configurationId, cancellationToken);
        var pending = plan.Keys().Where(k => !stored.Contains(k)).ToList();
        var runId = NewRunId();
        await WriteAsync(async (connection, transaction, token) =>
        {
            await InsertRunAsync(connection, transaction, runId, plan, harnessVersion, token);
            await using (var insertPlan = new NpgsqlCommand("INSERT INTO plans (id, configuration_id, status) VALUES (@id, @configuration, @status)", connection, transaction))
            {
                insertPlan.Parameters.AddWithValue("id", runId);
                insertPlan.Parameters.AddWithValue("configuration", configurationId);
                insertPlan.Parameters.AddWithValue("status", pending.Count == 0 ? RunStatuses.Completed : RunStatuses.Running);
                await insertPlan.ExecuteNonQueryAsync(token);
            }

            // One statement for the whole plan: 13 models × 11 conditions × 1,000 trials is 143,000 rows.
            await using var rows = new NpgsqlCommand(
                """
                INSERT INTO plan_trials (plan_id, scenario, condition, model, trial_index, state)
                SELECT @plan, @scenario, c, m, i, 'pending' FROM unnest(@conditions, @models, @indices) AS t(c, m, i)
                """, connection, transaction);
            rows.Parameters.AddWithValue("plan", runId);
            rows.Parameters.AddWithValue("scenario", plan.Scenario);
            rows.Parameters.AddWithValue("conditions", NpgsqlDbType.Array | NpgsqlDbType.Text, pending.Select(k => k.Condition).ToArray());
            rows.Parameters.AddWithValue("models", NpgsqlDbType.Array | NpgsqlDbType.Text, pending.Select(k => k.Model).ToArray());
            rows.Parameters.AddWithValue("indices", NpgsqlDbType.Array | NpgsqlDbType.Integer, pending.Select(k => k.Index).ToArray());
            await rows.ExecuteNonQueryAsync(token);
            return true;
        }, cancellationToken);
        if (pending.Count == 0)
        {
            await EndRunAsync(runId, RunStatuses.Completed, cancellationToken);
        }

        return new QueuedPlan(runId, plan, pending.Count);
    }

    /// <inheritdoc />
    public async Task<QueuedPlan?> GetPlanAsync(string planId, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            "SELECT r.plan_json, (SELECT count(*) FROM plan_trials t WHERE t.plan_id = p.id) FROM plans p JOIN runs r ON r.id = p.id WHERE p.id = @id");
        command.Parameters.AddWithValue("id", planId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new QueuedPlan(planId, Deserialize<ExperimentPlan>(reader.GetString(0), JsonDefaults.Options), (int)reader.GetInt64(1))
            : null;
    }

    /// <inheritdoc />
    public async Task HeartbeatAsync(string workerId, string host, string status, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand(
            """
            INSERT INTO workers (id, host, status) VALUES (@id, @host, @status)
            ON CONFLICT (id) DO UPDATE SET last_seen = now(), status = excluded.status
            """);
        command.Parameters.AddWithValue("id", workerId);
        command.Parameters.AddWithValue("host", host);
        command.Parameters.AddWithValue("status", status);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ClaimedTrial>> ClaimAsync(string workerId, string? planId, int max, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        if (max <= 0)
        {
            return [];
        }

        // SKIP LOCKED: concurrent claimers each take different rows instead of queueing behind one another. A claimed
        // row whose lease has run out belongs to a worker that died (or stalled) and is taken over.
        await using var command = _dataSource.CreateCommand(
            """
            UPDATE plan_trials q SET state = 'claimed', worker_id = @worker, lease_until = now() + @lease, attempts = q.attempts + 1
            FROM (
                SELECT plan_id, scenario, condition, model, trial_index FROM plan_trials
                WHERE (@plan::text IS NULL OR plan_id = @plan)
                  AND (state = 'pending' OR (state = 'claimed' AND lease_until < now()))
                ORDER BY plan_id, trial_index, model, condition
                LIMIT @max
                FOR UPDATE SKIP LOCKED
            ) pick
            WHERE q.plan_id = pick.plan_id AND q.scenario = pick.scenario AND q.condition = pick.condition
              AND q.model = pick.model AND q.trial_index = pick.trial_index
            RETURNING q.plan_id, q.scenario, q.condition, q.model, q.trial_index
            """);
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("plan", NpgsqlDbType.Text, (object?)planId ?? DBNull.Value);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("max", max);
        var claimed = new List<ClaimedTrial>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedTrial(reader.GetString(0), new TrialKey(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4))));
        }

        return claimed;
    }

    /// <inheritdoc />
    public async Task<int> RenewAsync(string workerId, IReadOnlyCollection<ClaimedTrial> trials, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        if (trials.Count == 0)
        {
            return 0;
        }

        await using var command = _dataSource.CreateCommand(
            """
            UPDATE plan_trials q SET lease_until = now() + @lease
            FROM unnest(@plans, @conditions, @models, @indices) AS t(p, c, m, i)
            WHERE q.plan_id = t.p AND q.condition = t.c AND q.model = t.m AND q.trial_index = t.i
              AND q.state = 'claimed' AND q.worker_id = @worker
            """);
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("lease", lease);
        AddKeyArrays(command, trials);
        var renewed = await command.ExecuteNonQueryAsync(cancellationToken);
        await HeartbeatAsync(workerId, Environment.MachineName, "running", cancellationToken);
        return renewed;
    }

    /// <inheritdoc />
    public async Task<bool> CompleteAsync(string workerId, ClaimedTrial claim, TrialRecord trial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var insert = PrepareInsert(trial);
        var inserted = await WriteAsync(async (connection, transaction, token) =>
        {
            var inserted = await insert(connection, transaction, token);

            // Done whoever holds the lease now: the trial is stored (by this worker or, after a lost lease, another).
            await using var done = new NpgsqlCommand(
                """
                UPDATE plan_trials SET state = 'done', worker_id = @worker, lease_until = NULL
                WHERE plan_id = @plan AND scenario = @scenario AND condition = @condition AND model = @model AND trial_index = @index
                """, connection, transaction);
            done.Parameters.AddWithValue("worker", workerId);
            done.Parameters.AddWithValue("plan", claim.PlanId);
            done.Parameters.AddWithValue("scenario", claim.Key.Scenario);
            done.Parameters.AddWithValue("condition", claim.Key.Condition);
            done.Parameters.AddWithValue("model", claim.Key.Model);
            done.Parameters.AddWithValue("index", claim.Key.Index);
            await done.ExecuteNonQueryAsync(token);
            if (inserted)
            {
                await using var count = new NpgsqlCommand("UPDATE workers SET completed = completed + 1, last_seen = now() WHERE id = @worker", connection, transaction);
                count.Parameters.AddWithValue("worker", workerId);
                await count.ExecuteNonQueryAsync(token);
            }

            return inserted;
        }, cancellationToken);
        return inserted;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string workerId, IReadOnlyCollection<ClaimedTrial> trials, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        if (trials.Count == 0)
        {
            return;
        }

        await using var command = _dataSource.CreateCommand(
            """
            UPDATE plan_trials q SET state = 'pending', worker_id = NULL, lease_until = NULL
            FROM unnest(@plans, @conditions, @models, @indices) AS t(p, c, m, i)
            WHERE q.plan_id = t.p AND q.condition = t.c AND q.model = t.m AND q.trial_index = t.i
              AND q.state = 'claimed' AND q.worker_id = @worker
            """);
        command.Parameters.AddWithValue("worker", workerId);
        AddKeyArrays(command, trials);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> RemainingAsync(string? planId, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM plan_trials WHERE state <> 'done' AND (@plan::text IS NULL OR plan_id = @plan)");
        command.Parameters.AddWithValue("plan", NpgsqlDbType.Text, (object?)planId ?? DBNull.Value);
        var remaining = (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (remaining == 0)
        {
            // Whichever worker sees a plan finished first closes it; the status check makes that happen once.
            await using var finish = _dataSource.CreateCommand(
                """
                WITH finished AS (
                    UPDATE plans p SET status = 'completed'
                    WHERE p.status <> 'completed' AND (@plan::text IS NULL OR p.id = @plan)
                      AND NOT EXISTS (SELECT 1 FROM plan_trials t WHERE t.plan_id = p.id AND t.state <> 'done')
                    RETURNING p.id)
                UPDATE runs r SET status = 'completed', ended_at = @ended FROM finished WHERE r.id = finished.id
                """);
            finish.Parameters.AddWithValue("plan", NpgsqlDbType.Text, (object?)planId ?? DBNull.Value);
            finish.Parameters.AddWithValue("ended", FormatTime(_time.GetUtcNow()));
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }

        return remaining;
    }

    /// <inheritdoc />
    public async Task<QueueStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var plans = new List<PlanStatus>();
        await using (var command = _dataSource.CreateCommand(
            """
            SELECT p.id, r.plan_json::json ->> 'scenario', p.status, count(t.plan_id),
                   count(*) FILTER (WHERE t.state = 'done'), count(*) FILTER (WHERE t.state = 'claimed'),
                   count(*) FILTER (WHERE t.state = 'pending'), p.created_at
            FROM plans p JOIN runs r ON r.id = p.id LEFT JOIN plan_trials t ON t.plan_id = p.id
            GROUP BY p.id, r.plan_json, p.status, p.created_at ORDER BY p.created_at, p.id
            """))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                plans.Add(new PlanStatus(
                    reader.GetString(0), reader.IsDBNull(1) ? "?" : reader.GetString(1), reader.GetString(2),
                    (int)reader.GetInt64(3), (int)reader.GetInt64(4), (int)reader.GetInt64(5), (int)reader.GetInt64(6),
                    new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero)));
            }
        }

        var workers = new List<WorkerStatus>();
        await using (var command = _dataSource.CreateCommand(
            """
            SELECT w.id, w.host, w.status, w.completed,
                   (SELECT count(*) FROM plan_trials t WHERE t.worker_id = w.id AND t.state = 'claimed' AND t.lease_until >= now()),
                   w.started_at, w.last_seen
            FROM workers w ORDER BY w.started_at, w.id
            """))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                workers.Add(new WorkerStatus(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), (int)reader.GetInt64(4),
                    new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero)));
            }
        }

        return new QueueStatus(plans, workers);
    }

    private static void AddKeyArrays(NpgsqlCommand command, IReadOnlyCollection<ClaimedTrial> trials)
    {
        command.Parameters.AddWithValue("plans", NpgsqlDbType.Array | NpgsqlDbType.Text, trials.Select(t => t.PlanId).ToArray());
        command.Parameters.AddWithValue("conditions", NpgsqlDbType.Array | NpgsqlDbType.Text, trials.Select(t => t.Key.Condition).ToArray());
        command.Parameters.AddWithValue("models", NpgsqlDbType.Array | NpgsqlDbType.Text, trials.Select(t => t.Key.Model).ToArray());
        command.Parameters.AddWithValue("indices", NpgsqlDbType.Array | NpgsqlDbType.Integer, trials.Select(t => t.Key.Index).ToArray());
    }
}
