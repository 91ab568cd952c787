using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Offswitch.Experiments;

namespace Offswitch.Storage;

// Queries for browsing a large store: filtered pages, full-text search, facets and live counts. They are specific to
// SQLite (FTS5), so they live on this class rather than on IResultStore.
public sealed partial class SqliteResultStore
{
    /// <summary>The shared summary layout (<see cref="StoredValues.ReadSummary"/>) over the table aliased <c>t</c>.</summary>
    private string SummaryColumns => $"""
        t.id, t.run_id, t.configuration_id, t.scenario, t.condition, t.model, t.trial_index, t.is_control, t.status, t.outcome,
        t.technique, t.error, t.input_tokens, t.output_tokens, t.reasoning_tokens, t.model_calls, t.started_at, t.ended_at,
        {(CostColumn == "NULL" ? "NULL" : "t." + CostColumn)}, t.scores_json
        """;

    /// <summary>Whether this store has the full-text index (a store opened for writing always does).</summary>
    public async Task<bool> HasTextIndexAsync(CancellationToken cancellationToken = default)
    {
        var has = false;
        await ReadAsync(async (connection, token) => has = await SqliteTextIndex.HasStepAsync(connection, null, token), cancellationToken);
        return has;
    }

    /// <summary>One page of trials matching <paramref name="filter"/>, with the total count.</summary>
    /// <exception cref="StoreUnavailableException">A text search on a store without the index (opened read-only and never upgraded).</exception>
    public async Task<TrialPage> BrowseTrialsAsync(TrialFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var match = SqliteTextIndex.ToMatchQuery(filter.Text);
        var limit = Math.Clamp(filter.Limit, 1, 500);
        var offset = Math.Max(0, filter.Offset);
        long total = 0;
        var items = new List<TrialHit>();
        await ReadAsync(async (connection, token) =>
        {
            if (match is not null && !await SqliteTextIndex.HasStepAsync(connection, null, token))
            {
                throw Unavailable("it has no full-text index yet", "open it once for writing (e.g. `offswitch view` without a read-only file, or `offswitch run`) to build the index");
            }

            var where = new StringBuilder("WHERE 1 = 1");
            await using var count = connection.CreateCommand();
            await using var page = connection.CreateCommand();
            void Add(string column, string? value)
            {
                if (value is null)
                {
                    return;
                }

                var name = "$" + column;
                where.Append(CultureInfo.InvariantCulture, $" AND t.{column} = {name}");
                count.Parameters.AddWithValue(name, value);
                page.Parameters.AddWithValue(name, value);
            }

            Add("run_id", filter.RunId);
            Add("scenario", filter.Scenario);
            Add("condition", filter.Condition);
            Add("model", filter.Model);
            Add("outcome", filter.Outcome);
            Add("technique", filter.Technique);
            if (filter.ScoreName is { } score)
            {
                // json_extract takes a path; quoting the key keeps names with dots or spaces literal.
                var path = "$.\"" + score.Replace("\"", string.Empty, StringComparison.Ordinal) + "\"";
                where.Append(" AND json_extract(t.scores_json, $score_path) IS NOT NULL");
                count.Parameters.AddWithValue("$score_path", path);
                page.Parameters.AddWithValue("$score_path", path);
                if (filter.ScoreMin is { } min)
                {
                    where.Append(" AND json_extract(t.scores_json, $score_path) >= $score_min");
                    count.Parameters.AddWithValue("$score_min", min);
                    page.Parameters.AddWithValue("$score_min", min);
                }

                if (filter.ScoreMax is { } max)
                {
                    where.Append(" AND json_extract(t.scores_json, $score_path) <= $score_max");
                    count.Parameters.AddWithValue("$score_max", max);
                    page.Parameters.AddWithValue("$score_max", max);
                }
            }

            if (match is null)
            {
                count.CommandText = $"SELECT count(*) FROM trials t {where}";
                page.CommandText = $"SELECT {SummaryColumns}, NULL FROM trials t {where} ORDER BY t.id LIMIT $limit OFFSET $offset";
            }
            else
            {
                count.Parameters.AddWithValue("$match", match);
                page.Parameters.AddWithValue("$match", match);
                count.CommandText = $"SELECT count(*) FROM trial_text JOIN trials t ON t.id = trial_text.rowid {where} AND trial_text MATCH $match";
                page.CommandText = $"""
                    SELECT {SummaryColumns}, snippet(trial_text, -1, char(2), char(3), '…', 16)
                    FROM trial_text JOIN trials t ON t.id = trial_text.rowid {where} AND trial_text MATCH $match
                    ORDER BY trial_text.rowid LIMIT $limit OFFSET $offset
                    """;
            }

            page.Parameters.AddWithValue("$limit", limit);
            page.Parameters.AddWithValue("$offset", offset);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(token), CultureInfo.InvariantCulture);
            await using var reader = await page.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var summary = StoredValues.ReadSummary(reader, Path);
                items.Add(new TrialHit(summary, summary.Scores, reader.IsDBNull(20) ? null : reader.GetString(20)));
            }
        }, cancellationToken);
        return new TrialPage(total, items);
    }

    /// <summary>The distinct values of each filter, optionally within one run.</summary>
    public async Task<TrialFacets> FacetsAsync(string? runId = null, CancellationToken cancellationToken = default)
    {
        var lists = new List<string>[6];
        await ReadAsync(async (connection, token) =>
        {
            string[] queries =
            [
                "SELECT DISTINCT scenario FROM trials t {0} ORDER BY 1",
                "SELECT DISTINCT condition FROM trials t {0} ORDER BY 1",
                "SELECT DISTINCT model FROM trials t {0} ORDER BY 1",
                "SELECT DISTINCT outcome FROM trials t {0} ORDER BY 1",
                "SELECT DISTINCT technique FROM trials t {0} {1} technique IS NOT NULL ORDER BY 1",
                "SELECT DISTINCT j.key FROM trials t, json_each(t.scores_json) j {0} ORDER BY 1",
            ];
            for (var i = 0; i < queries.Length; i++)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = string.Format(CultureInfo.InvariantCulture, queries[i], runId is null ? string.Empty : "WHERE t.run_id = $run", runId is null ? "WHERE" : "AND");
                if (runId is not null)
                {
                    command.Parameters.AddWithValue("$run", runId);
                }

                var values = new List<string>();
                await using var reader = await command.ExecuteReaderAsync(token);
                while (await reader.ReadAsync(token))
                {
                    values.Add(reader.GetString(0));
                }

                lists[i] = values;
            }
        }, cancellationToken);
        return new TrialFacets(lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]);
    }

    /// <summary>Stored trials per run and outcome: cheap enough to poll every second while a run writes.</summary>
    public async Task<IReadOnlyList<RunCounts>> RunCountsAsync(CancellationToken cancellationToken = default)
    {
        var byRun = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        await ReadAsync(async (connection, token) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT run_id, outcome, count(*) FROM trials GROUP BY run_id, outcome";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var run = reader.GetString(0);
                if (!byRun.TryGetValue(run, out var outcomes))
                {
                    byRun[run] = outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                outcomes[reader.GetString(1)] = reader.GetInt64(2);
            }
        }, cancellationToken);
        return [.. byRun.Select(p => new RunCounts(p.Key, p.Value.Values.Sum(), p.Value))];
    }
}
