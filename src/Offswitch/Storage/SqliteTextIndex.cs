using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Storage;

/// <summary>
/// The full-text index over transcripts (SQLite FTS5, table <c>trial_text</c>, rowid = trial id).
/// It is a named schema step, recorded in <c>schema_steps</c>, not a numbered version: numbered versions are a single
/// line that parallel changes would both claim, while a named step can land before or after any of them. A store
/// without the step is still read by every build; only search needs it.
/// </summary>
internal static class SqliteTextIndex
{
    public const string StepName = "trial_text_fts5";

    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS schema_steps (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT;
        CREATE VIRTUAL TABLE trial_text USING fts5(messages, reasoning, commands, outputs, events, tokenize = 'unicode61');
        """;

    /// <summary>Creates the index if this store lacks it, then indexes every trial not yet indexed (back-fill).</summary>
    /// <returns>How many trials were indexed now.</returns>
    public static async Task<int> EnsureAsync(SqliteConnection connection, SqliteTransaction transaction, string appliedAt, CancellationToken cancellationToken)
    {
        if (!await HasStepAsync(connection, transaction, cancellationToken))
        {
            await using var create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = CreateSql;
            await create.ExecuteNonQueryAsync(cancellationToken);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_steps (name, applied_at) VALUES ($name, $at)";
            record.Parameters.AddWithValue("$name", StepName);
            record.Parameters.AddWithValue("$at", appliedAt);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        // Also catches trials written by a build that did not know the index.
        var missing = new List<(long Id, TranscriptText Text)>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = """
                SELECT t.id, t.messages_json, t.events_json FROM trials t
                WHERE NOT EXISTS (SELECT 1 FROM trial_text x WHERE x.rowid = t.id)
                """;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var messages = JsonSerializer.Deserialize<List<ChatMessage>>(reader.GetString(1), JsonDefaults.Messages) ?? [];
                var events = JsonSerializer.Deserialize<List<TrialEvent>>(reader.GetString(2), JsonDefaults.Options) ?? [];
                missing.Add((reader.GetInt64(0), TranscriptText.Of(messages, events)));
            }
        }

        foreach (var (id, text) in missing)
        {
            await InsertAsync(connection, transaction, id, text, cancellationToken);
        }

        return missing.Count;
    }

    /// <summary>Whether the store has the index (read-only callers check before searching).</summary>
    public static async Task<bool> HasStepAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_steps'";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            return false;
        }

        command.CommandText = "SELECT count(*) FROM schema_steps WHERE name = $name";
        command.Parameters.AddWithValue("$name", StepName);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 1;
    }

    public static async Task InsertAsync(SqliteConnection connection, SqliteTransaction transaction, long id, TranscriptText text, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO trial_text (rowid, messages, reasoning, commands, outputs, events)
            VALUES ($id, $messages, $reasoning, $commands, $outputs, $events)
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$messages", text.Messages);
        command.Parameters.AddWithValue("$reasoning", text.Reasoning);
        command.Parameters.AddWithValue("$commands", text.Commands);
        command.Parameters.AddWithValue("$outputs", text.Outputs);
        command.Parameters.AddWithValue("$events", text.Events);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Turns what a person typed into an FTS5 query: every whitespace-separated word becomes a quoted phrase (so
    /// <c>shutdown.sh</c> and <c>chmod -x</c> are taken literally, never as query syntax), and all must match.
    /// Null when nothing searchable is left.
    /// </summary>
    public static string? ToMatchQuery(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var phrases = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(word => word.Any(char.IsLetterOrDigit))
            .Select(word => "\"" + word.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"");
        var query = string.Join(' ', phrases);
        return query.Length == 0 ? null : query;
    }
}
