using Microsoft.Extensions.DependencyInjection;
using Offswitch.Cli.Commands;
using Offswitch.Cli.Infrastructure;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli;

/// <summary>
/// The `offswitch` command tree. Exit codes: 0 success, 1 a check failed, 2 bad input or environment, 3 a run stopped
/// by its budget (--max-cost / --max-tokens-total), 130 a run interrupted by Ctrl-C.
/// </summary>
public static class CliApp
{
    public const int ExitBadInput = 2;
    public const int ExitBudgetReached = 3;
    public const int ExitInterrupted = 130;

    public static async Task<int> RunAsync(string[] args)
    {
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 140)
        {
            // Logs and files are not limited by a terminal's width: keep table rows on one line.
            AnsiConsole.Profile.Width = 140;
        }

        return await Create(new TypeRegistrar(new ServiceCollection().AddOffswitchCli())).RunAsync(StatsArguments.Normalize(args));
    }

    /// <summary>
    /// The command tree; commands are built by <paramref name="registrar"/>'s container (see <see cref="CliServices"/>).
    /// <paramref name="configure"/> adjusts the configuration afterwards (tests give it a console of their own).
    /// </summary>
    internal static CommandApp Create(ITypeRegistrar registrar, Action<IConfigurator>? configure = null)
    {
        var app = new CommandApp(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("offswitch");
            config.SetApplicationVersion(typeof(CliApp).Assembly.GetName().Version?.ToString(3) ?? "0");
            config.CaseSensitivity(CaseSensitivity.None);
            // An unknown flag is a mistake to report, never an extra argument to ignore.
            config.UseStrictParsing();
            config.SetExceptionHandler((ex, _) => HandleException(ex));
            config.AddExample("run", "shutdown-resistance", "--model", "reference/comply", "--model", "reference/mixed?p=0.3", "--trials", "20");
            config.AddExample("run", "shutdown-resistance", "--model", "openai/o3", "--condition", "A", "--condition", "E", "--trials", "100");
            config.AddExample("report");

            config.AddCommand<RunCommand>("run")
                .WithDescription("Run a scenario on one or more models; every trial is stored (resumes where a previous run stopped).")
                .WithExample("run", "shutdown-resistance", "--model", "reference/comply", "--trials", "5")
                .WithExample("run", "shutdown-resistance", "--model", "anthropic/claude-opus-4-1", "--condition", "A", "--condition", "H", "--trials", "100")
                .WithExample("run", "shutdown-resistance", "--model", "openai-compatible/qwen3@http://127.0.0.1:8000/v1", "--concurrency", "8")
                .WithExample("run", "shutdown-resistance", "--model", "replay:transcript.jsonl", "--trials", "1")
                .WithExample("run", "--spec", "experiment.yaml", "--trials", "5");
            config.AddBranch("list", list =>
            {
                list.SetDescription("List scenarios, a scenario's conditions, options or controls, or model providers.");
                list.AddCommand<ListScenariosCommand>("scenarios").WithDescription("Scenarios Offswitch can run.").WithExample("list", "scenarios");
                list.AddCommand<ListConditionsCommand>("conditions").WithDescription("A scenario's conditions.").WithExample("list", "conditions", "shutdown-resistance");
                list.AddCommand<ListControlsCommand>("controls").WithDescription("A scenario's scripted reference agents (controls) and their expected outcomes.").WithExample("list", "controls", "shutdown-resistance");
                list.AddCommand<ListOptionsCommand>("options").WithDescription("A scenario's options (--option NAME=VALUE) and what each changes.").WithExample("list", "options", "blackmail");
                list.AddCommand<ListProvidersCommand>("providers").WithDescription("Model spec formats and the environment variables they read.").WithExample("list", "providers");
            });
            config.AddCommand<CalibrationCommand>("calibration")
                .WithDescription("Measured rates against a model organism's exact rates: pooled intervals, coverage over batches, what broke the chain.")
                .WithExample("calibration", "gguf:models/organism/organism.gguf")
                .WithExample("calibration", "gguf:models/organism/organism.gguf", "--batch", "20", "--out", "docs/calibration.md");
            config.AddCommand<ReportCommand>("report")
                .WithDescription("Rates with 95% Jeffreys intervals per scenario × condition × model, from the store.")
                .WithExample("report")
                .WithExample("report", "--db", "results.db", "--format", "json")
                .WithExample("report", "--format", "md", "--out", "report")
                .WithExample("report", "--format", "html", "--out", "report.html");
            config.AddCommand<HorizonCommand>("horizon")
                .WithDescription("METR's time horizons: per model the task length (human minutes) completed with 50% and 80% success, bootstrap intervals, and the doubling time over release dates.")
                .WithExample("horizon", "runs.jsonl", "--release-dates", "release_dates.yaml")
                .WithExample("horizon", "--store", "offswitch.db", "--out", "horizons")
                .WithExample("horizon", "runs.csv", "--bootstrap", "200", "--json");
            config.AddBranch("stats", stats =>
            {
                stats.SetDescription("Intervals, comparisons and sample sizes for binomial rates (no store needed).");
                stats.AddCommand<StatsCiCommand>("ci").WithDescription("Confidence interval for k of n (Jeffreys, Wilson or Clopper–Pearson).")
                    .WithExample("stats", "ci", "--k", "7", "--n", "100").WithExample("stats", "ci", "--k", "0", "--n", "1000", "--method", "cp", "--json");
                stats.AddCommand<StatsCompareCommand>("compare").WithDescription("Rate difference with a Newcombe interval and a two-sided Fisher exact p-value.")
                    .WithExample("stats", "compare", "--k1", "79", "--n1", "100", "--k2", "7", "--n2", "100");
                stats.AddCommand<StatsPlanCommand>("plan").WithDescription("Trials per arm to detect a difference, or trials for a target interval width.")
                    .WithExample("stats", "plan", "--p1", "0.05", "--p2", "0.15").WithExample("stats", "plan", "--width", "0.05", "--p", "0.1");
            });
            config.AddCommand<ExportCommand>("export")
                .WithDescription("Write stored trials as Inspect .eval logs (one per scenario × model) that `inspect view` opens.")
                .WithExample("export", "--format", "inspect", "--out", "logs")
                .WithExample("export", "--format", "inspect", "--db", "results.db", "--run", "RUN_ID", "--out", "logs");
            config.AddCommand<ImportCommand>("import")
                .WithDescription("Read Inspect .eval logs (Offswitch's or other tools'), show their transcripts and outcomes, optionally store them.")
                .WithExample("import", "--format", "inspect", "logs/2025-06-13T18-43-55-07-00_shutdown-avoidance_7MaxZqy5kwNgUBYHAqG9Dv.eval")
                .WithExample("import", "--format", "inspect", "logs/run.eval", "--db", "imported.db", "--json");
            config.AddCommand<ShowPromptCommand>("show-prompt")
                .WithDescription("Print the exact system message, user message and tool definitions a condition sends to the model.")
                .WithExample("show-prompt", "shutdown-resistance", "--condition", "E");
            config.AddCommand<ViewCommand>("view")
                .WithDescription("Serve a local web viewer over the store on 127.0.0.1: runs, cells, transcripts, search, comparisons, live counts.")
                .WithExample("view")
                .WithExample("view", "--db", "results.db", "--port", "8080");
            config.AddCommand<WorkerCommand>("worker")
                .WithDescription("Run queued trials from a shared PostgreSQL store until the plan is done (start several, on several machines).")
                .WithExample("worker", "--db", "env:OFFSWITCH_DB")
                .WithExample("worker", "--db", "postgres://offswitch@db:5432/offswitch", "--plan", "PLAN_ID", "--concurrency", "8");
            config.AddCommand<StatusCommand>("status")
                .WithDescription("Progress per plan and per worker of a shared PostgreSQL store.")
                .WithExample("status", "--db", "env:OFFSWITCH_DB");
            config.AddCommand<CopyCommand>("copy")
                .WithDescription("Copy every run and trial from one store to another (SQLite file ↔ PostgreSQL); what the target holds is kept.")
                .WithExample("copy", "--from", "offswitch.db", "--to", "env:OFFSWITCH_DB")
                .WithExample("copy", "--from", "env:OFFSWITCH_DB", "--to", "backup.db");
            config.AddCommand<ValidateCommand>("validate")
                .WithDescription("Run every control of a scenario once and check the oracle gives each its expected outcome.")
                .WithExample("validate", "shutdown-resistance");
            configure?.Invoke(config);
        });
        return app;
    }

    /// <summary>The message of a "no space left" failure anywhere in the exception's chain; null when it is not one.</summary>
    internal static string? DiskFull(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 }:   // SQLITE_FULL
                    return "SQLite: database or disk is full";
                case Npgsql.PostgresException { SqlState: "53100" }:                 // disk_full
                    return "PostgreSQL: " + e.Message;
                case IOException when (e.HResult & 0xFFFF) == 28 || e.Message.Contains("No space left on device", StringComparison.Ordinal):   // ENOSPC
                    return e.Message;
                case AggregateException { InnerExceptions.Count: > 0 } aggregate:
                    if (aggregate.InnerExceptions.Select(DiskFull).FirstOrDefault(m => m is not null) is { } found)
                        return found;
                    break;
            }
        }

        return null;
    }

    private static bool ComesFromParser(Exception ex) =>
        new System.Diagnostics.StackTrace(ex).GetFrames().Any(f =>
            f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Spectre.Console.Cli", StringComparison.Ordinal) == true);

    private static int HandleException(Exception ex)
    {
        var inner = ex is CommandAppException && ex.InnerException is not null ? ex.InnerException : ex;
        switch (inner)
        {
            case UserErrorException:
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {inner.Message}");
                return ExitBadInput;
            case CommandParseException or CommandRuntimeException or CommandConfigurationException:
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {inner.Message}");
                AnsiConsole.MarkupLine("Run [bold]offswitch --help[/] (or [bold]offswitch COMMAND --help[/]) for usage.");
                return ExitBadInput;
            case ArgumentException or FormatException or OverflowException when ComesFromParser(inner):
                // Spectre converts option values with TypeConverters, which throw these for e.g. `--trials abc`.
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] invalid option value: {inner.Message.Replace(" (Parameter 'value')", "", StringComparison.Ordinal)}");
                AnsiConsole.MarkupLine("Run [bold]offswitch COMMAND --help[/] for the expected values.");
                return ExitBadInput;
            case var _ when DiskFull(inner) is { } full:
                // SQLite rolls the transaction back and the PostgreSQL server aborts it: what was stored stays stored.
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]error:[/] the disk is full ({full}). Trials already stored are intact; free some space (or pass --db on another disk) and run the same command again: it resumes with the missing trials.");
                return ExitBadInput;
            default:
                AnsiConsole.MarkupLineInterpolated($"[red]unexpected error:[/] {inner.GetType().Name}: {inner.Message}");
                Console.Error.WriteLine(inner.StackTrace);
                return 1;
        }
    }
}
