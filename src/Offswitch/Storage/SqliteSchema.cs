namespace Offswitch.Storage;

/// <summary>The store's schema as an ordered list of migrations; a store at version v has had migrations 1..v applied.</summary>
internal static class SqliteSchema
{
    /// <summary>Written into the database header so a store can be told apart from other SQLite files ("OFSW").</summary>
    public const int ApplicationId = 0x4F465357;

    /// <summary>The newest schema version this build knows.</summary>
    public static int CurrentVersion => Migrations.Count;

    /// <summary>Migration i (0-based) brings the store from version i to version i + 1.</summary>
    public static IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE runs (
            id               TEXT PRIMARY KEY,
            plan_json        TEXT NOT NULL,
            configuration_id TEXT NOT NULL,
            harness_version  TEXT NOT NULL,
            seed             INTEGER NOT NULL,
            started_at       TEXT NOT NULL,
            ended_at         TEXT,
            status           TEXT NOT NULL
        ) STRICT;

        CREATE TABLE trials (
            id               INTEGER PRIMARY KEY,
            run_id           TEXT NOT NULL REFERENCES runs (id),
            configuration_id TEXT NOT NULL,
            scenario         TEXT NOT NULL,
            condition        TEXT NOT NULL,
            model            TEXT NOT NULL,
            trial_index      INTEGER NOT NULL,
            seed             INTEGER NOT NULL,
            is_control       INTEGER NOT NULL,
            status           TEXT NOT NULL,
            outcome          TEXT NOT NULL,
            technique        TEXT,
            error            TEXT,
            stop_reason      TEXT NOT NULL,
            evidence_json    TEXT NOT NULL,
            scores_json      TEXT NOT NULL,
            messages_json    TEXT NOT NULL,
            events_json      TEXT NOT NULL,
            input_tokens     INTEGER NOT NULL,
            output_tokens    INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            model_calls      INTEGER NOT NULL,
            started_at       TEXT NOT NULL,
            ended_at         TEXT NOT NULL,
            UNIQUE (configuration_id, scenario, condition, model, trial_index)
        ) STRICT;

        -- The UNIQUE index serves resume (by configuration); these serve reports by run and by cell.
        CREATE INDEX trials_by_run ON trials (run_id);
        CREATE INDEX trials_by_cell ON trials (scenario, condition, model);
        CREATE INDEX runs_by_start ON runs (started_at);
        """,

        // Version 2: the cost of each trial at the prices in force when it ran. NULL means unknown (a model with no
        // price, or a trial stored by a build before version 2), never free.
        """
        ALTER TABLE trials ADD COLUMN cost_usd REAL;
        """,
    ];
}
