using System.Text.Json;
using Offswitch.Scenarios;
using AI = Microsoft.Extensions.AI;

namespace Offswitch.Interop.Inspect;

/// <summary>Where an imported trial's outcome came from.</summary>
public enum ImportedOutcomeSource
{
    /// <summary>No verdict: the log has no outcome this scenario knows, and the oracle cannot re-score a transcript.</summary>
    None,

    /// <summary>The log's own <c>outcome</c> score (written by Offswitch), not re-decided.</summary>
    LogScore,

    /// <summary>Re-decided now by the scenario's transcript oracle (<see cref="ITranscriptRescorer"/>).</summary>
    Rescored,
}

/// <summary>One sample of an imported log, as an Offswitch transcript.</summary>
/// <param name="SampleId">The Inspect sample id.</param>
/// <param name="Epoch">The Inspect epoch (1-based).</param>
/// <param name="Condition">The Offswitch condition (from metadata when the log is Offswitch's, else the sample id).</param>
/// <param name="Index">The trial index (from metadata, else epoch − 1).</param>
/// <param name="Messages">The conversation; consecutive Inspect tool messages form one tool message, as Offswitch stores them.</param>
/// <param name="LogMessageCount">How many messages the log itself holds for the sample.</param>
/// <param name="Outcome">The outcome, or null when there is none (see <paramref name="OutcomeSource"/>).</param>
/// <param name="OutcomeSource">Where <paramref name="Outcome"/> came from.</param>
/// <param name="Technique">The technique, when the log's outcome score names one.</param>
/// <param name="LogScores">Every score of the sample as the log has it (scorer → value as JSON text).</param>
/// <param name="IsControl">True when the log says the sample came from a scripted reference agent.</param>
/// <param name="Error">The sample's error message, if any.</param>
/// <param name="StartedAt">When the sample started, if recorded.</param>
/// <param name="CompletedAt">When the sample ended, if recorded.</param>
/// <param name="Usage">Token usage of the sample's models.</param>
/// <param name="SkippedContent">Content items that have no Offswitch equivalent (images, audio...) and were left out.</param>
public sealed record ImportedSample(
    string SampleId,
    int Epoch,
    string Condition,
    int Index,
    IReadOnlyList<AI.ChatMessage> Messages,
    int LogMessageCount,
    string? Outcome,
    ImportedOutcomeSource OutcomeSource,
    string? Technique,
    IReadOnlyDictionary<string, string> LogScores,
    bool IsControl,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    Trials.Usage Usage,
    int SkippedContent);

/// <summary>What the importer read from one log and what it could decide.</summary>
/// <param name="Task">Inspect task name.</param>
/// <param name="Model">Inspect model name.</param>
/// <param name="Status">The log's status.</param>
/// <param name="Scenario">The Offswitch scenario the task maps to, or null when none does.</param>
/// <param name="Rescoring">One sentence saying whether and how outcomes could be decided, and why.</param>
/// <param name="Samples">Every sample of the log.</param>
public sealed record ImportedLog(string Task, string Model, string Status, string? Scenario, string Rescoring, IReadOnlyList<ImportedSample> Samples);

/// <summary>Maps Inspect logs (Offswitch's own and other tools') to Offswitch transcripts, and re-scores them only where a transcript suffices.</summary>
public static class InspectImporter
{
    /// <summary>Inspect task names of other projects that re-create an Offswitch scenario (e.g. Palisade's own task).</summary>
    public static IReadOnlyDictionary<string, string> TaskAliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["shutdown_avoidance"] = "shutdown-resistance",
        ["shutdown-avoidance"] = "shutdown-resistance",
        ["shutdown_resistance"] = "shutdown-resistance",
    };

    /// <summary>Maps a log to Offswitch transcripts. <paramref name="findScenario"/> resolves scenario names (e.g. <see cref="ScenarioCatalog.Find"/> of a catalog).</summary>
    public static async Task<ImportedLog> ImportAsync(InspectLog log, Func<string, IScenario?> findScenario, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(findScenario);
        var task = log.Header.Eval.Task;
        var scenario = findScenario(task) ?? (TaskAliases.TryGetValue(task, out var alias) ? findScenario(alias) : null);
        var ours = log.Header.Eval.Solver == InspectExporter.SolverName;
        var rescorer = scenario as ITranscriptRescorer;
        var rescoring = (scenario, rescorer) switch
        {
            (null, _) => $"Task '{task}' matches no Offswitch scenario: transcripts are read, no outcome is decided.",
            (_, not null) => $"Scenario '{scenario.Name}' decides outcomes from the transcript alone: every sample is re-scored.",
            _ when ours => $"Scenario '{scenario.Name}' needs the live environment to decide an outcome (its oracle reads the sandbox's state and what the harness observed, which a transcript does not hold): outcomes are taken from the log's '{InspectExporter.OutcomeScorer}' score, not re-scored.",
            _ => $"Scenario '{scenario.Name}' needs the live environment to decide an outcome (its oracle reads the sandbox's state and what the harness observed, which a transcript does not hold), and this log was not written by Offswitch: no outcome is decided; the log's own scores are shown as they are.",
        };

        var samples = new List<ImportedSample>();
        foreach (var sample in log.Samples)
        {
            var (messages, skipped) = ConvertMessages(sample.Messages);
            var condition = MetadataText(sample.Metadata, "condition") ?? sample.Id.Value;
            var index = MetadataInt(sample.Metadata, "trial_index") ?? sample.Epoch - 1;
            var logScores = (sample.Scores ?? []).ToDictionary(s => s.Key, s => s.Value.Value.ValueKind == JsonValueKind.String ? s.Value.Value.GetString()! : s.Value.Value.GetRawText(), StringComparer.Ordinal);

            string? outcome = null;
            string? technique = null;
            var source = ImportedOutcomeSource.None;
            if (scenario is not null && rescorer is not null)
            {
                var verdict = await rescorer.RescoreAsync(condition, messages, cancellationToken);
                (outcome, technique, source) = (verdict.Outcome, verdict.Technique, ImportedOutcomeSource.Rescored);
            }
            else if (scenario is not null && ours
                && sample.Scores?.GetValueOrDefault(InspectExporter.OutcomeScorer) is { Value.ValueKind: JsonValueKind.String } score
                && scenario.Outcomes.Keys.Contains(score.Value.GetString()!))
            {
                (outcome, technique, source) = (score.Value.GetString(), score.Answer, ImportedOutcomeSource.LogScore);
            }

            var usage = sample.ModelUsage.Values.Aggregate(new Trials.Usage(), (sum, u) => sum + new Trials.Usage(u.InputTokens, u.OutputTokens, u.ReasoningTokens ?? 0));
            samples.Add(new ImportedSample(
                sample.Id.Value,
                sample.Epoch,
                condition,
                index,
                messages,
                sample.Messages.Count,
                outcome,
                source,
                technique,
                logScores,
                MetadataBool(sample.Metadata, "is_control") ?? false,
                sample.Error?.Message,
                InspectLogFormat.ParseTime(sample.StartedAt),
                InspectLogFormat.ParseTime(sample.CompletedAt),
                usage,
                skipped));
        }

        return new ImportedLog(task, log.Header.Eval.Model, log.Header.Status, scenario?.Name, rescoring, samples);
    }

    /// <summary>Prefix of the model key of stored imported trials, so reports never pool them with trials Offswitch ran.</summary>
    public const string ImportedModelPrefix = "imported:";

    /// <summary>
    /// Stores the samples of <paramref name="log"/> that have an outcome as trials of a new run (marked imported: model
    /// key <c>imported:MODEL</c>, stop reason <c>imported</c>, evidence naming the file and where the outcome came from).
    /// Samples without an outcome are not stored: no verdict is invented. Returns the run id (null when nothing was
    /// stored) and the number of trials stored.
    /// </summary>
    public static async Task<(string? RunId, int Stored)> StoreAsync(Storage.IResultStore store, ImportedLog log, string fileName, string harnessVersion, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(log);
        var decided = log.Samples.Where(s => s.Outcome is not null).ToList();
        if (log.Scenario is null || decided.Count == 0)
        {
            return (null, 0);
        }

        var model = ImportedModelPrefix + log.Model;
        var plan = new Experiments.ExperimentPlan
        {
            Scenario = log.Scenario,
            Conditions = [.. decided.Select(s => s.Condition).Distinct(StringComparer.Ordinal)],
            Models = [model],
            Trials = decided.Max(s => s.Index) + 1,
            Seed = 0,
            ScenarioOptions = new Dictionary<string, string> { ["imported-from"] = fileName, ["import-format"] = "inspect" },
        };
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var runId = await store.BeginRunAsync(plan, harnessVersion, cancellationToken);
        var stored = 0;
        foreach (var sample in decided)
        {
            var trial = new Storage.TrialRecord
            {
                RunId = runId,
                ConfigurationId = plan.ConfigurationId(),
                Key = new Trials.TrialKey(log.Scenario, sample.Condition, model, sample.Index),
                Seed = 0,
                IsControl = sample.IsControl,
                Status = sample.Error is null ? Trials.TrialStatus.Completed : Trials.TrialStatus.Error,
                Outcome = sample.Outcome!,
                Technique = sample.Technique,
                Error = sample.Error,
                StopReason = "imported",
                Evidence = new Dictionary<string, string>
                {
                    ["imported_from"] = fileName,
                    ["inspect_sample"] = $"{sample.SampleId} epoch {sample.Epoch}",
                    ["outcome_source"] = sample.OutcomeSource == ImportedOutcomeSource.Rescored
                        ? "re-scored from the transcript"
                        : $"the log's '{InspectExporter.OutcomeScorer}' score (not re-scored: the oracle needs the live environment)",
                },
                Messages = sample.Messages,
                Events = [],
                Usage = sample.Usage,
                StartedAt = sample.StartedAt ?? now,
                EndedAt = sample.CompletedAt ?? sample.StartedAt ?? now,
            };
            if (await store.SaveTrialAsync(trial, cancellationToken))
            {
                stored++;
            }
        }

        await store.EndRunAsync(runId, Trials.RunStatuses.Completed, cancellationToken);
        return (runId, stored);
    }

    /// <summary>
    /// Converts Inspect messages to Microsoft.Extensions.AI messages. Consecutive tool messages become one tool message.
    /// Returns the number of content items left out because Offswitch has no equivalent (images, audio, documents...).
    /// </summary>
    public static (List<AI.ChatMessage> Messages, int Skipped) ConvertMessages(IReadOnlyList<InspectMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<AI.ChatMessage>();
        var skipped = 0;
        foreach (var message in messages)
        {
            if (message.Role == "tool")
            {
                var content = new AI.FunctionResultContent(message.ToolCallId ?? "", message.Error is { } error ? $"{message.Content.PlainText()}{(message.Content.PlainText().Length > 0 ? "\n" : "")}error ({error.Type}): {error.Message}" : message.Content.PlainText());
                if (result.Count > 0 && result[^1].Role == AI.ChatRole.Tool)
                {
                    result[^1].Contents.Add(content);
                }
                else
                {
                    result.Add(new AI.ChatMessage(AI.ChatRole.Tool, [content]));
                }

                continue;
            }

            var contents = new List<AI.AIContent>();
            if (message.Content.Text is { } text)
            {
                if (text.Length > 0 || message.Role != "assistant")
                {
                    contents.Add(new AI.TextContent(text));
                }
            }
            else
            {
                foreach (var item in message.Content.Items ?? [])
                {
                    switch (item.Type)
                    {
                        case "text":
                            contents.Add(new AI.TextContent(item.Text ?? ""));
                            break;
                        case "reasoning":
                            contents.Add(item.Redacted == true
                                ? RedactedReasoning.Create(item.Reasoning ?? item.Signature ?? "")
                                : new AI.TextReasoningContent(item.Reasoning ?? "") { ProtectedData = item.Signature });
                            break;
                        default:
                            skipped++;
                            break;
                    }
                }
            }

            foreach (var call in message.ToolCalls ?? [])
            {
                contents.Add(new AI.FunctionCallContent(call.Id, call.Function, call.Arguments.ToDictionary(a => a.Key, a => (object?)a.Value)));
            }

            var role = message.Role switch
            {
                "system" => AI.ChatRole.System,
                "assistant" => AI.ChatRole.Assistant,
                _ => AI.ChatRole.User,
            };
            result.Add(new AI.ChatMessage(role, contents));
        }

        return (result, skipped);
    }

    private static string? MetadataText(Dictionary<string, JsonElement> metadata, string name) =>
        metadata.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? MetadataInt(Dictionary<string, JsonElement> metadata, string name) =>
        metadata.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static bool? MetadataBool(Dictionary<string, JsonElement> metadata, string name) =>
        metadata.TryGetValue(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
