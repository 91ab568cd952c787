using Offswitch.Storage;
using Offswitch.Storage.Postgres;

namespace Offswitch.Cli.Services;

/// <summary>Opens the store a --db value names: a PostgreSQL address (or env:VARIABLE) or an SQLite file.</summary>
internal sealed class StoreOpener
{
    public async Task<IResultStore> OpenAsync(string path, bool readOnly, CancellationToken cancellationToken) =>
        PostgresConnection.IsPostgres(path)
            ? await PostgresResultStore.OpenAsync(PostgresConnection.ToConnectionString(path), cancellationToken: cancellationToken)
            : await SqliteResultStore.OpenAsync(path, readOnly, cancellationToken: cancellationToken);
}
