using System.ComponentModel;
using System.Text.Json;
using Offswitch.Cli.Services;
using Offswitch.Interop.Inspect;
using Offswitch.Running;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch export`.</summary>
internal sealed class ExportCommand(ScenarioCatalog scenarios, StoreOpener stores) : AsyncCommand<ExportCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandOption("-f|--format <FORMAT>")]
        [Description("Export format: inspect (Inspect .eval logs that `inspect view` opens).")]
        [DefaultValue("inspect")]
        public string Format { get; init; } = "inspect";

        [CommandOption("-o|--out <DIR>")]
        [Description("Directory for the exported files (created if missing).")]
        public string? Out { get; init; }

        [CommandOption("--run <ID>")]
        [Description("Only trials stored by this run.")]
        public string? Run { get; init; }

        [CommandOption("-s|--scenario <NAME>")]
        [Description("Only this scenario.")]
        public string? Scenario { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!string.Equals(settings.Format, "inspect", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"Unknown export format '{settings.Format}'. Use inspect.");
        }

        if (string.IsNullOrWhiteSpace(settings.Out))
        {
            throw new InvalidInputException("--out DIR is required: the directory to write the .eval files into.");
        }

        await using var store = await stores.OpenAsync(settings.Db, readOnly: true, cancellationToken);
        var summaries = await store.TrialSummariesAsync(new TrialQuery(RunId: settings.Run, Scenario: settings.Scenario), cancellationToken);
        if (summaries.Count == 0)
        {
            AnsiConsole.MarkupLineInterpolated($"No trials in {Storage.Postgres.PostgresConnection.Redact(settings.Db)} match; nothing exported.");
            return 0;
        }

        var runs = await store.RunsAsync(cancellationToken);
        Directory.CreateDirectory(settings.Out);
        var table = new Table().AddColumns("File", "Scenario", "Model", "Samples");
        foreach (var group in summaries.GroupBy(s => (s.Key.Scenario, s.Key.Model)).OrderBy(g => g.Key.Scenario, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal))
        {
            var trials = new List<TrialRecord>();
            foreach (var summary in group)
            {
                trials.Add(await store.GetTrialAsync(summary.Id, cancellationToken)
                    ?? throw new InvalidOperationException($"Trial {summary.Id} disappeared from {Storage.Postgres.PostgresConnection.Redact(settings.Db)} during the export."));
            }

            var log = InspectExporter.Build(trials, new InspectExportContext(scenarios.Find(group.Key.Scenario), runs, new RunOptions().HarnessVersion));
            var name = InspectExporter.FileName(log);
            await InspectLogFile.WriteAsync(Path.Combine(settings.Out, name), log, cancellationToken);
            table.AddRow(Markup.Escape(name), Markup.Escape(group.Key.Scenario), Markup.Escape(group.Key.Model + (trials.Any(t => t.IsControl) ? " (control)" : "")), log.Samples.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"[grey]Open them with: inspect view --log-dir {settings.Out}[/]");
        return 0;
    }
}

/// <summary>`offswitch import`.</summary>
internal sealed class ImportCommand(ScenarioCatalog scenarios, StoreOpener stores) : AsyncCommand<ImportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("Inspect logs to read (.eval, or .json as written by `inspect log dump`).")]
        public string[] Files { get; init; } = [];

        [CommandOption("-f|--format <FORMAT>")]
        [Description("Import format: inspect.")]
        [DefaultValue("inspect")]
        public string Format { get; init; } = "inspect";

        [CommandOption("--db <FILE>")]
        [Description("Also store the samples that have an outcome in this store, as trials of model imported:MODEL. Without it nothing is written.")]
        public string? Db { get; init; }

        [CommandOption("--json")]
        [Description("Print what was read as JSON (one object per file, with each sample's outcome and message count).")]
        public bool Json { get; init; }
    }

    private sealed record StoredImport(string File, string? RunId, int Stored, int NotStored);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!string.Equals(settings.Format, "inspect", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"Unknown import format '{settings.Format}'. Use inspect.");
        }

        var logs = new List<(string File, ImportedLog Log)>();
        foreach (var file in settings.Files)
        {
            if (!File.Exists(file))
            {
                throw new InvalidInputException($"No such file: {file}.");
            }

            InspectLog log;
            try
            {
                log = await InspectLogFile.ReadAsync(file, cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidInputException(ex.Message);
            }

            logs.Add((file, await InspectImporter.ImportAsync(log, scenarios.Find, cancellationToken)));
        }

        var storedRuns = new List<StoredImport>();
        if (settings.Db is { } db)
        {
            await using var store = await stores.OpenAsync(db, readOnly: false, cancellationToken);
            foreach (var (file, log) in logs)
            {
                var (runId, stored) = await InspectImporter.StoreAsync(store, log, Path.GetFileName(file), new RunOptions().HarnessVersion, cancellationToken: cancellationToken);
                storedRuns.Add(new StoredImport(file, runId, stored, log.Samples.Count - stored));
            }
        }

        if (settings.Json)
        {
            var output = new
            {
                logs = logs.Select(l => new
                {
                    file = l.File,
                    task = l.Log.Task,
                    model = l.Log.Model,
                    status = l.Log.Status,
                    scenario = l.Log.Scenario,
                    rescoring = l.Log.Rescoring,
                    samples = l.Log.Samples.Select(s => new
                    {
                        id = s.SampleId,
                        epoch = s.Epoch,
                        condition = s.Condition,
                        index = s.Index,
                        outcome = s.Outcome,
                        outcome_source = s.OutcomeSource,
                        technique = s.Technique,
                        messages = s.Messages.Count,
                        log_messages = s.LogMessageCount,
                        is_control = s.IsControl,
                        scores = s.LogScores,
                        skipped_content = s.SkippedContent,
                        error = s.Error,
                    }),
                }),
                stored = settings.Db is null ? null : storedRuns,
            };
            Console.WriteLine(JsonSerializer.Serialize(output, JsonDefaults.Indented));
            return 0;
        }

        foreach (var (file, log) in logs)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{file}[/]: task {log.Task}, model {log.Model}, status {log.Status}, {log.Samples.Count} sample(s)");
            AnsiConsole.MarkupLineInterpolated($"  {log.Rescoring}");
            var table = new Table().AddColumns("Sample", "Epoch", "Condition", "Outcome", "Messages", "Log scores");
            foreach (var s in log.Samples)
            {
                var outcome = s.Outcome is null ? "(none)" : s.OutcomeSource == ImportedOutcomeSource.LogScore ? $"{s.Outcome} (from log)" : $"{s.Outcome} (re-scored)";
                table.AddRow(
                    Markup.Escape(s.SampleId),
                    s.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(s.Condition),
                    Markup.Escape(outcome + (s.IsControl ? " [control]" : "")),
                    s.Messages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", s.LogScores.Select(p => $"{p.Key}={p.Value}"))));
            }

            AnsiConsole.Write(table);
        }

        foreach (var run in storedRuns)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{run.File}: {run.Stored} trial(s) stored in {Storage.Postgres.PostgresConnection.Redact(settings.Db ?? "")} (run {run.RunId ?? "none"}); {run.NotStored} without an outcome not stored.[/]");
        }

        return 0;
    }
}
