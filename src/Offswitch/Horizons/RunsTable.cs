using System.Globalization;
using System.Text;
using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Horizons;

/// <summary>
/// Reads and writes runs tables: JSON Lines (one object per line, as METR's <c>runs.jsonl</c>) or CSV with a header
/// row. Columns: <c>task_id</c>, <c>task_family</c> (or <c>family</c>), <c>alias</c> (or <c>model</c>, <c>agent</c>),
/// <c>human_minutes</c>, a score (<c>score_binarized</c>, else <c>score</c>, or the one named), optional <c>run_id</c>
/// (default: the row number), <c>release_date</c> (YYYY-MM-DD) and <c>is_control</c>. Other columns are ignored.
/// </summary>
public static class RunsTable
{
    private static readonly string[] ModelColumns = ["alias", "model", "agent"];
    private static readonly string[] FamilyColumns = ["task_family", "family"];
    private static readonly string[] ScoreColumns = ["score_binarized", "score"];

    /// <summary>Reads a table from a file; the format follows the extension (.csv, else JSON Lines).</summary>
    /// <exception cref="InvalidInputException">The file is missing, malformed or lacks a needed column: the message names the problem and the fix.</exception>
    public static async Task<IReadOnlyList<HorizonRun>> ReadAsync(string path, string? scoreColumn = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path) || !File.Exists(path))
        {
            throw new InvalidInputException($"Runs table '{path}' not found. Pass a JSON Lines file (such as METR's runs.jsonl) or a CSV file with a header row, or read a store with --store FILE.");
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(text, path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "jsonl", path, scoreColumn);
    }

    /// <summary>Parses a table's text.</summary>
    /// <param name="text">The file's contents.</param>
    /// <param name="format"><c>csv</c> or <c>jsonl</c>.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="scoreColumn">The score column; null: <c>score_binarized</c>, else <c>score</c>.</param>
    public static IReadOnlyList<HorizonRun> Parse(string text, string format, string source, string? scoreColumn = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = format == "csv" ? CsvRows(text, source) : JsonRows(text, source);
        if (rows.Count == 0)
        {
            throw new InvalidInputException($"Runs table '{source}' has no rows. Each row is one run: task_id, task_family, alias (or model), human_minutes, score_binarized (or score).");
        }

        var columns = rows.SelectMany(r => r.Values.Keys).ToHashSet(StringComparer.Ordinal);
        string Column(string[] names, string what) => names.FirstOrDefault(columns.Contains)
            ?? throw new InvalidInputException($"Runs table '{source}' has no {what} column (expected {string.Join(" or ", names.Select(n => $"'{n}'"))}; found {string.Join(", ", columns.Order(StringComparer.Ordinal))}). Add the column, or rename yours to one of these names.");
        var taskColumn = Column(["task_id"], "task id");
        var familyColumn = Column(FamilyColumns, "task family");
        var modelColumn = Column(ModelColumns, "model");
        var minutesColumn = Column(["human_minutes"], "human minutes");
        var score = scoreColumn is null ? Column(ScoreColumns, "score") : Column([scoreColumn], $"score ('{scoreColumn}', chosen with --score-column)");

        var runs = new List<HorizonRun>(rows.Count);
        foreach (var row in rows)
        {
            string Required(string column) => row.Values.TryGetValue(column, out var v) && !string.IsNullOrWhiteSpace(v) ? v
                : throw new InvalidInputException($"{source}, {row.Where}: '{column}' is empty. Every run needs {taskColumn}, {familyColumn}, {modelColumn}, {minutesColumn} and {score}.");
            double Number(string column, double min, double max, string range)
            {
                var raw = Required(column);
                var value = raw switch { "true" or "True" => 1, "false" or "False" => 0, _ => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN };
                return value >= min && value <= max && double.IsFinite(value) ? value
                    : throw new InvalidInputException($"{source}, {row.Where}: '{column}' is '{raw}', but it must be {range}. Fix that value or leave the run out.");
            }

            DateOnly? date = null;
            if (row.Values.TryGetValue("release_date", out var rawDate) && !string.IsNullOrWhiteSpace(rawDate))
            {
                date = ParseDate(rawDate) ?? throw new InvalidInputException($"{source}, {row.Where}: release_date '{rawDate}' is not a date; write it as YYYY-MM-DD.");
            }

            var minutes = Number(minutesColumn, double.Epsilon, double.MaxValue, "a positive number of minutes");
            var value = Number(score, 0, 1, "a number from 0 to 1");
            runs.Add(new HorizonRun(Required(taskColumn), Required(familyColumn),
                row.Values.TryGetValue("run_id", out var runId) && !string.IsNullOrWhiteSpace(runId) ? runId : row.Where, Required(modelColumn), minutes, value)
            {
                ReleaseDate = date,
                IsControl = row.Values.TryGetValue("is_control", out var control) && control is "true" or "True" or "1",
            });
        }

        var twoFamilies = runs.GroupBy(r => r.TaskId, StringComparer.Ordinal).FirstOrDefault(g => g.Select(r => r.TaskFamily).Distinct().Count() > 1);
        if (twoFamilies is not null)
        {
            throw new InvalidInputException($"{source}: task '{twoFamilies.Key}' is in more than one family ({string.Join(", ", twoFamilies.Select(r => r.TaskFamily).Distinct())}). The bootstrap resamples tasks within families, so give each task one family.");
        }

        return runs;
    }

    /// <summary>A YYYY-MM-DD date (a time part, as in ISO timestamps, is ignored); null when it is not one.</summary>
    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Length > 10 ? text[..10] : text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>The table as CSV, with the columns this reader and METR's pipeline read.</summary>
    public static string ToCsv(IEnumerable<HorizonRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var text = new StringBuilder("task_id,task_family,run_id,alias,score_binarized,human_minutes,release_date,is_control\n");
        foreach (var r in runs)
        {
            text.AppendJoin(',', [Csv(r.TaskId), Csv(r.TaskFamily), Csv(r.RunId), Csv(r.Model), Num(r.Score), Num(r.HumanMinutes),
                r.ReleaseDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", r.IsControl ? "true" : "false"]).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The table as JSON Lines with METR's column names.</summary>
    public static string ToJsonLines(IEnumerable<HorizonRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var text = new StringBuilder();
        foreach (var r in runs)
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["task_id"] = r.TaskId, ["task_family"] = r.TaskFamily, ["run_id"] = r.RunId, ["alias"] = r.Model,
                ["score_binarized"] = r.Score, ["human_minutes"] = r.HumanMinutes,
                ["release_date"] = r.ReleaseDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["is_control"] = r.IsControl,
            })).Append('\n');
        }

        return text.ToString();
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Csv(string v) => v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;

    private sealed record Row(string Where, Dictionary<string, string> Values);

    private static List<Row> JsonRows(string text, string source)
    {
        var rows = new List<Row>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var where = $"line {i + 1}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new InvalidInputException($"{source}, {where}: not valid JSON ({ex.Message}). A runs table in JSON Lines has one JSON object per line; for a CSV file use the .csv extension.");
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidInputException($"{source}, {where}: expected a JSON object (one run per line), found {document.RootElement.ValueKind}.");
                }

                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    values[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString()!,
                        JsonValueKind.Null or JsonValueKind.Undefined => "",
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => property.Value.GetRawText(),
                    };
                }

                rows.Add(new Row(where, values));
            }
        }

        return rows;
    }

    private static List<Row> CsvRows(string text, string source)
    {
        var records = CsvRecords(text, source);
        if (records.Count == 0)
        {
            return [];
        }

        var header = records[0].Fields.Select(h => h.Trim()).ToList();
        var rows = new List<Row>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue;
            }

            if (fields.Count != header.Count)
            {
                throw new InvalidInputException($"{source}, line {line}: {fields.Count} field(s) where the header has {header.Count}. Quote fields that contain commas (\"a,b\").");
            }

            rows.Add(new Row($"line {line}", header.Zip(fields).ToDictionary(p => p.First, p => p.Second.Trim(), StringComparer.Ordinal)));
        }

        return rows;
    }

    /// <summary>RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks.</summary>
    private static List<(int Line, List<string> Fields)> CsvRecords(string text, string source)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add((start, fields));
                fields = [];
                line++;
                start = line;
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new InvalidInputException($"{source}, line {start}: a quoted field is never closed. Close it with a double quote.");
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString().TrimEnd('\r'));
            records.Add((start, fields));
        }

        return records;
    }
}
