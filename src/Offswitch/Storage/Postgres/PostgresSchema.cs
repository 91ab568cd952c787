namespace Offswitch.Storage.Postgres;

/// <summary>The PostgreSQL store's schema as ordered migrations; a store at version v has had migrations 1..v applied.</summary>
internal static class PostgresSchema
{
    /// <summary>Key of the advisory lock that serialises migrations between processes ("OFSW").</summary>
    public const long MigrationLock = 0x4F465357;

    /// <summary>The newest schema version this build knows.</summary>
    public static int CurrentVersion => Migrations.Count;

    /// <summary>Migration i (0-based) brings the store from version i to version i + 1.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        // Times of runs and trials are fixed-width UTC text, as in the SQLite store, so that copies between the two
        // round-trip exactly (PostgreSQL timestamps keep microseconds, .NET keeps 100 ns ticks). Lease times are
        // the server's own clock, so that workers on machines with skewed clocks agree on expiry.
        """
        CREATE TABLE runs (
            id               text PRIMARY KEY,
            plan_json        text NOT NULL,
            configuration_id text NOT NULL,
            harness_version  text NOT NULL,
            seed             integer NOT NULL,
            started_at       text NOT NULL,
            ended_at         text,
            status           text NOT NULL,
            seq              bigint GENERATED ALWAYS AS IDENTITY
        );

        CREATE TABLE trials (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            run_id           text NOT NULL REFERENCES runs (id),
            configuration_id text NOT NULL,
            scenario         text NOT NULL,
            condition        text NOT NULL,
            model            text NOT NULL,
            trial_index      integer NOT NULL,
            seed             integer NOT NULL,
            is_control       boolean NOT NULL,
            status           text NOT NULL,
            outcome          text NOT NULL,
            technique        text,
            error            text,
            stop_reason      text NOT NULL,
            evidence_json    text NOT NULL,
            scores_json      text NOT NULL,
            messages_json    text NOT NULL,
            events_json      text NOT NULL,
            input_tokens     bigint NOT NULL,
            output_tokens    bigint NOT NULL,
            reasoning_tokens bigint NOT NULL,
            model_calls      integer NOT NULL,
            started_at       text NOT NULL,
            ended_at         text NOT NULL,
            cost_usd         double precision,
            UNIQUE (configuration_id, scenario, condition, model, trial_index)
        );

        CREATE INDEX trials_by_run ON trials (run_id);
        CREATE INDEX trials_by_cell ON trials (scenario, condition, model);
        CREATE INDEX runs_by_start ON runs (started_at);

        -- The work queue: one row per trial a registered plan still needs. Workers claim rows with
        -- FOR UPDATE SKIP LOCKED and hold them by a lease that they renew while the trial runs.
        CREATE TABLE plans (
            id               text PRIMARY KEY REFERENCES runs (id),
            configuration_id text NOT NULL,
            created_at       timestamptz NOT NULL DEFAULT now(),
            status           text NOT NULL
        );

        CREATE TABLE plan_trials (
            plan_id      text NOT NULL REFERENCES plans (id),
            scenario     text NOT NULL,
            condition    text NOT NULL,
            model        text NOT NULL,
            trial_index  integer NOT NULL,
            state        text NOT NULL CHECK (state IN ('pending', 'claimed', 'done')),
            worker_id    text,
            lease_until  timestamptz,
            attempts     integer NOT NULL DEFAULT 0,
            PRIMARY KEY (plan_id, scenario, condition, model, trial_index)
        );

        CREATE INDEX plan_trials_open ON plan_trials (plan_id, state) WHERE state <> 'done';

        CREATE TABLE workers (
            id          text PRIMARY KEY,
            host        text NOT NULL,
            started_at  timestamptz NOT NULL DEFAULT now(),
            last_seen   timestamptz NOT NULL DEFAULT now(),
            completed   integer NOT NULL DEFAULT 0,
            status      text NOT NULL
        );
        """,
    ];
}
