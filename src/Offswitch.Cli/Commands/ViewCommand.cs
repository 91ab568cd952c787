using System.ComponentModel;
using Offswitch.Cli.Services;
using Offswitch.Cli.Viewer;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch view`: the local web viewer.</summary>
internal sealed class ViewCommand(ReportService reports) : AsyncCommand<ViewCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandOption("-p|--port <N>")]
        [Description("Port on 127.0.0.1 (0 picks a free one).")]
        [DefaultValue(5170)]
        public int Port { get; init; } = 5170;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Port is < 0 or > 65535)
        {
            throw new InvalidInputException($"Port {settings.Port} is out of range; use 0 to 65535.");
        }

        if (Storage.Postgres.PostgresConnection.IsPostgres(settings.Db))
        {
            throw new InvalidInputException($"The viewer reads SQLite stores (its search uses SQLite's full-text index). Take a snapshot first: offswitch copy --from {Storage.Postgres.PostgresConnection.Redact(settings.Db)} --to snapshot.db, then offswitch view --db snapshot.db.");
        }

        if (!File.Exists(settings.Db))
        {
            throw new StoreUnavailableException($"no store at {Path.GetFullPath(settings.Db)} — run `offswitch run` first (or pass --db with the path of an existing store).");
        }

        // Opened for writing so an older store gets its full-text index; the viewer itself never writes trials.
        await using var store = await SqliteResultStore.OpenAsync(settings.Db, cancellationToken: cancellationToken);
        ViewerServer server;
        try
        {
            server = await ViewerServer.StartAsync(store, reports, settings.Port, cancellationToken);
        }
        catch (IOException ex)
        {
            throw new InvalidInputException($"Cannot listen on 127.0.0.1:{settings.Port} ({ex.Message}). Choose another port with --port, or --port 0 for any free one.");
        }

        await using (server)
        {
            AnsiConsole.MarkupLineInterpolated($"Offswitch viewer for {store.Path}");
            Console.WriteLine(server.Url);
            AnsiConsole.MarkupLine("Press Ctrl-C to stop.");
            await server.WaitForShutdownAsync(cancellationToken);
        }

        return 0;
    }
}
