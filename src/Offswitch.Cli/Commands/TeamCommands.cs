using System.ComponentModel;
using Offswitch.Cli.Services;
using Offswitch.Running;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch worker`: runs queued trials from a shared PostgreSQL store until its plan (or every plan) is done.</summary>
internal sealed class WorkerCommand(ScenarioCatalog scenarios, ModelSetup models, SandboxFactory sandboxFactory, StoreOpener stores) : AsyncCommand<WorkerCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandOption("--plan <ID>")]
        [Description("Only this plan (printed by `offswitch run --plan-only`). Default: trials of every registered plan.")]
        public string? Plan { get; init; }

        [CommandOption("-j|--concurrency <N>")]
        [Description("Trials this worker runs at once (default 4). Provider limits are per worker: N workers allow N × this many requests in flight per provider.")]
        public int Concurrency { get; init; } = 4;

        [CommandOption("--lease <SECONDS>")]
        [Description("How long a claimed trial stays this worker's without renewal (default 60). A worker that dies loses its in-flight trials to others after this.")]
        public double Lease { get; init; } = 60;

        [CommandOption("--name <NAME>")]
        [Description("This worker's name in `offswitch status` (default HOST-PID; must be unique).")]
        public string? Name { get; init; }

        [CommandOption("--request-timeout <SECONDS>")]
        [Description("Timeout of one HTTP request to a provider; a timed-out request is retried.")]
        public double RequestTimeout { get; init; } = 600;

        [CommandOption("--prices <FILE>")]
        [Description("Token price table (JSON) whose entries override the shipped prices.")]
        public string? Prices { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Concurrency < 1 || settings.Lease < 1 || settings.RequestTimeout <= 0)
        {
            throw new InvalidInputException("--concurrency must be at least 1, --lease at least 1 second, --request-timeout positive.");
        }

        if (!Storage.Postgres.PostgresConnection.IsPostgres(settings.Db))
        {
            throw new InvalidInputException("Workers share a PostgreSQL store: pass --db postgres://user:pass@host:port/db (or --db env:VARIABLE).");
        }

        await using var store = await stores.OpenAsync(settings.Db, readOnly: false, cancellationToken);
        var queue = store as ITrialQueue ?? throw new InvalidInputException("Workers share a PostgreSQL store: pass --db postgres://user:pass@host:port/db (or --db env:VARIABLE).");
        if (settings.Plan is { } planId && await queue.GetPlanAsync(planId, cancellationToken) is null)
        {
            throw new InvalidInputException($"No plan '{planId}' in the store. `offswitch status --db ...` lists the plans.");
        }

        var prices = Models.PriceTable.Load(settings.Prices);
        models.Configure(settings.Concurrency, TimeSpan.FromSeconds(settings.RequestTimeout));
        var sandboxes = sandboxFactory.Create();
        var worker = new QueueWorker(queue, new TrialExecutor(sandboxes), plan => models.Bind(plan, scenarios.Require(plan.Scenario)));
        worker.TrialStored += trial => Console.WriteLine($"stored {trial.Key} {trial.Outcome}");

        using var stopClaiming = new CancellationTokenSource();
        using var abandon = new CancellationTokenSource();
        var interrupts = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            (Interlocked.Increment(ref interrupts) == 1 ? stopClaiming : abandon).Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            // Kubernetes stops a pod with SIGTERM: stop claiming and let in-flight trials finish within the grace period.
            signal.Cancel = true;
            stopClaiming.Cancel();
        });
        try
        {
            var options = new WorkerOptions
            {
                WorkerId = settings.Name ?? $"{Environment.MachineName}-{Environment.ProcessId}",
                PlanId = settings.Plan,
                Concurrency = settings.Concurrency,
                Lease = TimeSpan.FromSeconds(settings.Lease),
                Cost = prices.Cost,
            };
            var summary = await worker.RunAsync(options, stopClaiming.Token, abandon.Token);
            AnsiConsole.MarkupLineInterpolated($"[grey]Worker {summary.WorkerId}: {summary.Ran} trial(s) stored, {summary.Errors} error(s).[/]");
            return summary.Interrupted ? CliApp.ExitInterrupted : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

/// <summary>`offswitch status`: progress per plan and per worker of a shared store.</summary>
internal sealed class StatusCommand(StoreOpener stores) : AsyncCommand<StoreSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, StoreSettings settings, CancellationToken cancellationToken)
    {
        const string NeedsShared = "`status` shows plans and workers of a shared PostgreSQL store: pass --db postgres://... (an SQLite store has no workers; use `offswitch report`).";
        if (!Storage.Postgres.PostgresConnection.IsPostgres(settings.Db))
        {
            throw new InvalidInputException(NeedsShared);
        }

        await using var store = await stores.OpenAsync(settings.Db, readOnly: true, cancellationToken);
        var queue = store as ITrialQueue ?? throw new InvalidInputException(NeedsShared);
        var status = await queue.StatusAsync(cancellationToken);

        var plans = new Table().AddColumns("plan", "scenario", "status", "done", "in flight", "pending", "total", "progress");
        foreach (var plan in status.Plans)
        {
            var percent = plan.Total == 0 ? 100 : 100.0 * plan.Done / plan.Total;
            plans.AddRow(plan.PlanId, plan.Scenario, plan.Status, $"{plan.Done}", $"{plan.Claimed}", $"{plan.Pending}", $"{plan.Total}", $"{percent:0.0}%");
        }

        var workers = new Table().AddColumns("worker", "host", "status", "stored", "in flight", "started", "last seen");
        foreach (var worker in status.Workers)
        {
            workers.AddRow(worker.WorkerId, worker.Host, worker.Status, $"{worker.Completed}", $"{worker.InFlight}", $"{worker.StartedAt:u}", $"{worker.LastSeen:u}");
        }

        AnsiConsole.MarkupLine("[bold]Plans[/]");
        AnsiConsole.Write(plans);
        AnsiConsole.MarkupLine("[bold]Workers[/]");
        AnsiConsole.Write(workers);
        return 0;
    }
}

/// <summary>`offswitch copy`: every run and trial of one store into another (SQLite ↔ PostgreSQL).</summary>
internal sealed class CopyCommand(StoreOpener stores) : AsyncCommand<CopyCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--from <STORE>")]
        [Description("Source store: an SQLite file or postgres://... / env:VARIABLE.")]
        public string From { get; init; } = "";

        [CommandOption("--to <STORE>")]
        [Description("Target store (created if missing); trials it already holds are kept.")]
        public string To { get; init; } = "";
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.From) || string.IsNullOrWhiteSpace(settings.To))
        {
            throw new InvalidInputException("Give both --from STORE and --to STORE, e.g. `offswitch copy --from offswitch.db --to env:OFFSWITCH_DB`.");
        }

        await using var from = await stores.OpenAsync(settings.From, readOnly: true, cancellationToken);
        await using var to = await stores.OpenAsync(settings.To, readOnly: false, cancellationToken);
        var (runs, trials, skipped) = await StoreCopy.CopyAsync(from, to, cancellationToken: cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Copied {runs} run(s) and {trials} trial(s); {skipped} trial(s) were already in the target.");
        return 0;
    }
}
