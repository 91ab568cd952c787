using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Offswitch.TestSupport;

/// <summary>
/// Checks an .eval file against the documented Inspect log schema (required fields, entry names, compression methods),
/// independently of the types that wrote it. Returns every problem found; an empty list means it conforms.
/// </summary>
internal static partial class InspectRequiredFields
{
    private static readonly string[] Roles = ["system", "user", "assistant", "tool"];
    private static readonly string[] Statuses = ["started", "success", "cancelled", "error"];

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}[-+]\d{2}-\d{2}_[^_/]+_[A-Za-z0-9]+\.eval$")]
    public static partial Regex FileNamePattern();

    public static List<string> Check(string fileName, byte[] bytes)
    {
        var problems = new List<string>();
        if (!FileNamePattern().IsMatch(fileName))
        {
            problems.Add($"file name '{fileName}' does not follow {{created}}_{{task}}_{{task_id}}.eval");
        }

        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != 0x04034b50)
        {
            problems.Add("does not start with PK\\x03\\x04");
        }

        foreach (var (name, method) in CentralDirectory(bytes))
        {
            if (method is not (0 or 8 or 93))
            {
                problems.Add($"entry {name} uses compression method {method}");
            }
        }

        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        foreach (var required in new[] { "header.json", "summaries.json" })
        {
            if (!names.Contains(required))
            {
                problems.Add($"missing entry {required}");
            }
        }

        var header = Parse(zip, "header.json");
        if (header is { } h)
        {
            CheckHeader(h, problems);
        }

        var sampleEntries = names.Where(n => n.StartsWith("samples/", StringComparison.Ordinal)).ToList();
        if (sampleEntries.Count == 0)
        {
            problems.Add("no samples/ entries");
        }

        foreach (var entry in sampleEntries)
        {
            var sample = Parse(zip, entry)!.Value;
            CheckSample(entry, sample, problems);
        }

        if (Parse(zip, "summaries.json") is { } summaries)
        {
            if (summaries.ValueKind != JsonValueKind.Array)
            {
                problems.Add("summaries.json is not an array");
            }
            else
            {
                foreach (var row in summaries.EnumerateArray())
                {
                    CheckIdEpochInputTarget("summaries.json row", row, problems);
                }

                if (summaries.GetArrayLength() != sampleEntries.Count)
                {
                    problems.Add($"summaries.json has {summaries.GetArrayLength()} rows for {sampleEntries.Count} samples");
                }
            }
        }

        return problems;
    }

    private static void CheckHeader(JsonElement header, List<string> problems)
    {
        Require(header, "header", "version", JsonValueKind.Number, problems);
        if (header.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() != 2)
        {
            problems.Add($"header.version is {version.GetInt32()}, not 2");
        }

        if (!header.TryGetProperty("status", out var status) || !Statuses.Contains(status.GetString()))
        {
            problems.Add("header.status missing or not one of started|success|cancelled|error");
        }

        if (header.TryGetProperty("samples", out _))
        {
            problems.Add("header.json must not hold samples");
        }

        if (Require(header, "header", "eval", JsonValueKind.Object, problems) is { } eval)
        {
            if (Require(eval, "eval", "created", JsonValueKind.String, problems) is { } created
                && !DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                problems.Add("eval.created is not an ISO-8601 time");
            }

            Require(eval, "eval", "task", JsonValueKind.String, problems);
            Require(eval, "eval", "dataset", JsonValueKind.Object, problems);
            Require(eval, "eval", "model", JsonValueKind.String, problems);
            Require(eval, "eval", "config", JsonValueKind.Object, problems);
        }

        Require(header, "header", "plan", JsonValueKind.Object, problems);
        if (Require(header, "header", "stats", JsonValueKind.Object, problems) is { } stats)
        {
            Require(stats, "stats", "started_at", JsonValueKind.String, problems);
            Require(stats, "stats", "completed_at", JsonValueKind.String, problems);
            if (Require(stats, "stats", "model_usage", JsonValueKind.Object, problems) is { } usage)
            {
                foreach (var model in usage.EnumerateObject())
                {
                    CheckUsage($"stats.model_usage.{model.Name}", model.Value, problems);
                }
            }
        }

        if (Require(header, "header", "results", JsonValueKind.Object, problems) is { } results)
        {
            Require(results, "results", "total_samples", JsonValueKind.Number, problems);
            Require(results, "results", "completed_samples", JsonValueKind.Number, problems);
            if (Require(results, "results", "scores", JsonValueKind.Array, problems) is { } scores)
            {
                foreach (var score in scores.EnumerateArray())
                {
                    Require(score, "results.scores[]", "name", JsonValueKind.String, problems);
                    Require(score, "results.scores[]", "scorer", JsonValueKind.String, problems);
                    if (Require(score, "results.scores[]", "metrics", JsonValueKind.Object, problems) is { } metrics)
                    {
                        foreach (var metric in metrics.EnumerateObject())
                        {
                            Require(metric.Value, $"metric {metric.Name}", "name", JsonValueKind.String, problems);
                            Require(metric.Value, $"metric {metric.Name}", "value", JsonValueKind.Number, problems);
                        }
                    }
                }
            }
        }
    }

    private static void CheckSample(string entry, JsonElement sample, List<string> problems)
    {
        CheckIdEpochInputTarget(entry, sample, problems);
        if (sample.TryGetProperty("id", out var id) && sample.TryGetProperty("epoch", out var epoch) && epoch.ValueKind == JsonValueKind.Number)
        {
            var expected = $"samples/{(id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText())}_epoch_{epoch.GetInt32()}.json";
            if (entry != expected)
            {
                problems.Add($"{entry}: entry name should be {expected}");
            }
        }

        if (Require(sample, entry, "messages", JsonValueKind.Array, problems) is { } messages)
        {
            foreach (var message in messages.EnumerateArray())
            {
                CheckMessage(entry, message, problems);
            }
        }

        if (sample.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in input.EnumerateArray())
            {
                CheckMessage(entry + " input", message, problems);
            }
        }

        if (sample.TryGetProperty("scores", out var scores) && scores.ValueKind == JsonValueKind.Object)
        {
            foreach (var score in scores.EnumerateObject())
            {
                CheckScore($"{entry} scores.{score.Name}", score.Value, problems);
            }
        }

        if (sample.TryGetProperty("model_usage", out var usage))
        {
            foreach (var model in usage.EnumerateObject())
            {
                CheckUsage($"{entry} model_usage.{model.Name}", model.Value, problems);
            }
        }

        if (sample.TryGetProperty("output", out var output))
        {
            CheckOutput(entry + " output", output, problems);
        }

        if (sample.TryGetProperty("error", out var error))
        {
            foreach (var field in new[] { "message", "traceback", "traceback_ansi" })
            {
                Require(error, entry + " error", field, JsonValueKind.String, problems);
            }
        }

        if (sample.TryGetProperty("events", out var events))
        {
            foreach (var e in events.EnumerateArray())
            {
                CheckEvent(entry, e, problems);
            }
        }
    }

    private static void CheckIdEpochInputTarget(string where, JsonElement row, List<string> problems)
    {
        if (!row.TryGetProperty("id", out var id) || id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            problems.Add($"{where}: id missing or not int|str");
        }

        if (!row.TryGetProperty("epoch", out var epoch) || epoch.ValueKind != JsonValueKind.Number || epoch.GetInt32() < 1)
        {
            problems.Add($"{where}: epoch missing or not a 1-based int");
        }

        if (!row.TryGetProperty("input", out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            problems.Add($"{where}: input missing or not str|[ChatMessage]");
        }

        if (!row.TryGetProperty("target", out var target) || target.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            problems.Add($"{where}: target missing or not str|[str]");
        }
    }

    private static void CheckMessage(string where, JsonElement message, List<string> problems)
    {
        var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
        if (!Roles.Contains(role))
        {
            problems.Add($"{where}: message role '{role}' is not system|user|assistant|tool");
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            problems.Add($"{where}: message content missing or not str|[Content]");
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in content.EnumerateArray())
            {
                var type = item.TryGetProperty("type", out var t) ? t.GetString() : null;
                var field = type switch { "text" => "text", "reasoning" => "reasoning", _ => null };
                if (type is null)
                {
                    problems.Add($"{where}: content item without type");
                }
                else if (field is not null)
                {
                    Require(item, $"{where} {type} content", field, JsonValueKind.String, problems);
                }
            }
        }

        if (role == "assistant" && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                Require(call, where + " tool_call", "id", JsonValueKind.String, problems);
                Require(call, where + " tool_call", "function", JsonValueKind.String, problems);
                Require(call, where + " tool_call", "arguments", JsonValueKind.Object, problems);
                if (!call.TryGetProperty("type", out var type) || type.GetString() != "function")
                {
                    problems.Add($"{where}: tool_call.type is not \"function\"");
                }
            }
        }

        if (role == "tool")
        {
            Require(message, where + " tool message", "tool_call_id", JsonValueKind.String, problems);
            Require(message, where + " tool message", "function", JsonValueKind.String, problems);
        }
    }

    private static void CheckOutput(string where, JsonElement output, List<string> problems)
    {
        Require(output, where, "model", JsonValueKind.String, problems);
        if (Require(output, where, "choices", JsonValueKind.Array, problems) is { } choices)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (Require(choice, where + " choice", "message", JsonValueKind.Object, problems) is { } message)
                {
                    CheckMessage(where, message, problems);
                }

                Require(choice, where + " choice", "stop_reason", JsonValueKind.String, problems);
            }
        }
    }

    private static void CheckScore(string where, JsonElement score, List<string> problems)
    {
        if (!score.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{where}: value missing");
        }
    }

    private static void CheckUsage(string where, JsonElement usage, List<string> problems)
    {
        foreach (var field in new[] { "input_tokens", "output_tokens", "total_tokens" })
        {
            Require(usage, where, field, JsonValueKind.Number, problems);
        }
    }

    private static void CheckEvent(string where, JsonElement e, List<string> problems)
    {
        var kind = Require(e, where + " event", "event", JsonValueKind.String, problems)?.GetString();
        Require(e, $"{where} {kind} event", "timestamp", JsonValueKind.String, problems);
        var w = $"{where} {kind} event";
        switch (kind)
        {
            case "model":
                Require(e, w, "model", JsonValueKind.String, problems);
                Require(e, w, "input", JsonValueKind.Array, problems);
                Require(e, w, "tools", JsonValueKind.Array, problems);
                if (!e.TryGetProperty("tool_choice", out _))
                {
                    problems.Add($"{w}: tool_choice missing");
                }

                Require(e, w, "config", JsonValueKind.Object, problems);
                if (Require(e, w, "output", JsonValueKind.Object, problems) is { } output)
                {
                    CheckOutput(w + " output", output, problems);
                }

                break;
            case "tool":
                Require(e, w, "id", JsonValueKind.String, problems);
                Require(e, w, "function", JsonValueKind.String, problems);
                Require(e, w, "arguments", JsonValueKind.Object, problems);
                if (!e.TryGetProperty("result", out _))
                {
                    problems.Add($"{w}: result missing");
                }

                if (!e.TryGetProperty("type", out var type) || type.GetString() != "function")
                {
                    problems.Add($"{w}: type is not \"function\"");
                }

                break;
            case "info":
                if (!e.TryGetProperty("data", out _))
                {
                    problems.Add($"{w}: data missing");
                }

                break;
            case "score":
                if (Require(e, w, "score", JsonValueKind.Object, problems) is { } score)
                {
                    CheckScore(w, score, problems);
                }

                break;
        }
    }

    private static JsonElement? Require(JsonElement parent, string where, string name, JsonValueKind kind, List<string> problems)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            problems.Add($"{where}: required field '{name}' missing");
            return null;
        }

        if (value.ValueKind != kind)
        {
            problems.Add($"{where}: '{name}' is {value.ValueKind}, expected {kind}");
            return null;
        }

        return value;
    }

    private static JsonElement? Parse(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        if (entry is null)
        {
            return null;
        }

        using var stream = entry.Open();
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.Clone();
    }

    /// <summary>(entry name, compression method) from the ZIP central directory.</summary>
    public static IEnumerable<(string Name, int Method)> CentralDirectory(byte[] bytes)
    {
        for (var i = 0; i + 46 <= bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) != 0x02014b50)
            {
                continue;
            }

            var method = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 10));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
            if (i + 46 + nameLength > bytes.Length)
            {
                yield break;
            }

            yield return (Encoding.UTF8.GetString(bytes, i + 46, nameLength), method);
            i += 45 + nameLength;
        }
    }
}
