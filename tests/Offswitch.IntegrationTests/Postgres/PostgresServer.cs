using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Offswitch.IntegrationTests.Postgres;

/// <summary>
/// A private PostgreSQL cluster for the tests: initdb + pg_ctl under a temporary directory, listening on 127.0.0.1 on
/// a free port, stopped when the test process exits. As root the cluster runs as the <c>postgres</c> user (PostgreSQL
/// refuses to run as root). OFFSWITCH_TEST_POSTGRES, when set to an Npgsql connection string, uses that server instead.
/// When no server can be had, <see cref="SkipReason"/> says why and the PostgreSQL tests skip.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<(string? ConnectionString, string? SkipReason)> Server = new(Start);
    private static int _databases;

    /// <summary>Why the PostgreSQL tests cannot run here; null when a server is up.</summary>
    public static string? SkipReason => Server.Value.SkipReason;

    /// <summary>Connection string of the server's maintenance database.</summary>
    public static string ConnectionString => Server.Value.ConnectionString ?? throw new InvalidOperationException(SkipReason);

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..40];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The postgres:// address of a database, as the CLI takes it.</summary>
    public static string Address(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres://{b.Username}@{b.Host}:{b.Port}/{b.Database}";
    }

    private static (string?, string?) Start()
    {
        if (Environment.GetEnvironmentVariable("OFFSWITCH_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return (given, null);
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            return (null, "PostgreSQL server binaries not found (install Debian's postgresql package: apt-get install -y postgresql; ./test.sh does so as root), or set OFFSWITCH_TEST_POSTGRES to a connection string");
        }

        var isRoot = Environment.UserName == "root";
        var dir = Directory.CreateTempSubdirectory("offswitch-pg-").FullName;
        var data = Path.Combine(dir, "data");
        var port = FreePort();
        var user = isRoot ? "postgres" : Environment.UserName;
        try
        {
            if (isRoot)
            {
                Run("chown", "postgres:postgres", dir);
                Run("chmod", "700", dir);
            }

            RunAs(isRoot, Path.Combine(bin, "initdb"), "-D", data, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8");
            RunAs(isRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(dir, "log"), "-w", "-t", "30", "-o",
                $"-p {port} -c listen_addresses=127.0.0.1 -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start");
        }
        catch (Exception ex)
        {
            var log = Path.Combine(dir, "log");
            return (null, $"could not start a private PostgreSQL cluster ({ex.Message}{(File.Exists(log) ? "; " + File.ReadAllText(log).Trim() : "")})");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunAs(isRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop");
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
            }
        };
        return (new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = user, Database = "postgres", Pooling = true }.ConnectionString, null);
    }

    private static void RunAs(bool asPostgres, string file, params string[] args)
    {
        if (asPostgres)
        {
            Run("runuser", ["-u", "postgres", "--", file, .. args]);
        }
        else
        {
            Run(file, args);
        }
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited {process.ExitCode}: {stderr.Trim()} {stdout.Result.Trim()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A test that needs PostgreSQL: skipped, with the reason, when no server can be started.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = PostgresServer.SkipReason;
    }
}
