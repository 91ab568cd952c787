using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Storage;

public sealed partial class SqliteResultStore : IRunImport
{
    /// <inheritdoc />
    public Task<bool> ImportRunAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return WriteAsync(async (connection, transaction, token) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO runs (id, plan_json, configuration_id, harness_version, seed, started_at, ended_at, status)
                VALUES ($id, $plan, $configuration, $harness, $seed, $started, $ended, $status)
                ON CONFLICT (id) DO NOTHING
                """;
            command.Parameters.AddWithValue("$id", run.Id);
            command.Parameters.AddWithValue("$plan", JsonSerializer.Serialize(run.Plan, JsonDefaults.Options));
            command.Parameters.AddWithValue("$configuration", run.ConfigurationId);
            command.Parameters.AddWithValue("$harness", run.HarnessVersion);
            command.Parameters.AddWithValue("$seed", run.Plan.Seed);
            command.Parameters.AddWithValue("$started", FormatTime(run.StartedAt));
            command.Parameters.AddWithValue("$ended", run.EndedAt is { } ended ? FormatTime(ended) : DBNull.Value);
            command.Parameters.AddWithValue("$status", run.Status);
            return await command.ExecuteNonQueryAsync(token) == 1;
        }, cancellationToken);
    }
}
