using Npgsql;

namespace Offswitch.Storage.Postgres;

/// <summary>Turns the CLI's store address into an Npgsql connection string.</summary>
public static class PostgresConnection
{
    /// <summary>Whether <paramref name="address"/> names a PostgreSQL store rather than an SQLite file.</summary>
    public static bool IsPostgres(string address) =>
        address.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || address.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || address.StartsWith("env:", StringComparison.Ordinal);

    /// <summary>
    /// Resolves <c>postgres://user:pass@host:port/db?sslmode=require</c>, or <c>env:NAME</c> naming an environment
    /// variable that holds such an address or an Npgsql connection string, so that passwords stay off command lines.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The address is malformed or the variable is unset.</exception>
    public static string ToConnectionString(string address, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        environment ??= Environment.GetEnvironmentVariable;
        if (address.StartsWith("env:", StringComparison.Ordinal))
        {
            var name = address[4..];
            var value = environment(name);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new StoreUnavailableException($"The store address {address} names the environment variable {name}, which is not set. Fix: export {name}=postgres://user:pass@host:port/db.");
            }

            return IsPostgres(value) ? ToConnectionString(value, environment) : new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new StoreUnavailableException($"Cannot read the store address '{Redact(address)}'. Fix: write it as postgres://user:pass@host:port/db.");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : null,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]);
            var value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            try
            {
                builder[key] = value;
            }
            catch (ArgumentException ex)
            {
                throw new StoreUnavailableException($"Unknown parameter '{key}' in the store address '{Redact(address)}' ({ex.Message}).", ex);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>The address with any password replaced, for messages.</summary>
    public static string Redact(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            // An Npgsql connection string given in place of an address: its Password= value goes too.
            return System.Text.RegularExpressions.Regex.Replace(address, @"(?i)(\b(?:password|pwd)\s*=\s*)(""[^""]*""|'[^']*'|[^;]*)", "$1***");
        }

        var user = uri.UserInfo.Split(':', 2)[0];
        return new UriBuilder(uri) { UserName = user, Password = "***" }.Uri.ToString();
    }
}
