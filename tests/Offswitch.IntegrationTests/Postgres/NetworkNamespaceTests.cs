using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Offswitch.IntegrationTests.Cli;

namespace Offswitch.IntegrationTests.Postgres;

/// <summary>
/// A worker on "another machine": a network namespace of its own, joined to this one by a veth pair, reaching the
/// store only over that link (link-local addresses that exist only between the two ends).
/// </summary>
public sealed class NetworkNamespaceTests
{
    private const string HostAddress = "169.254.231.1";
    private const string WorkerAddress = "169.254.231.2";

    [NetnsFact]
    public async Task Worker_InOtherNetworkNamespace_ReachesStoreOverVethAndFinishesPlan()
    {
        using var dir = new TempDirectory();
        var db = await PostgresServer.CreateDatabaseAsync();
        var register = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--trials", "4", "--db", PostgresServer.Address(db), "--plan-only"]);
        Assert.True(register.ExitCode == 0, register.All);
        var planId = register.Stdout.Split('\n').Single(l => l.StartsWith("plan ", StringComparison.Ordinal))[5..].Trim();

        var suffix = Random.Shared.Next(10_000, 99_999);
        var ns = $"offsw-{suffix}";
        var hostEnd = $"osh{suffix}";
        try
        {
            Ip("netns", "add", ns);
            Ip("link", "add", hostEnd, "type", "veth", "peer", "name", $"osn{suffix}");
            Ip("link", "set", $"osn{suffix}", "netns", ns);
            Ip("addr", "add", $"{HostAddress}/30", "dev", hostEnd);
            Ip("link", "set", hostEnd, "up");
            Ip("netns", "exec", ns, "ip", "addr", "add", $"{WorkerAddress}/30", "dev", $"osn{suffix}");
            Ip("netns", "exec", ns, "ip", "link", "set", $"osn{suffix}", "up");
            Ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");

            // The test cluster listens on loopback only; a forwarder on the veth address stands in for the database
            // host's network interface, and records who connected.
            using var forwarder = new Forwarder(IPAddress.Parse(HostAddress), new NpgsqlConnectionStringBuilder(db).Port);
            var address = $"postgres://{new NpgsqlConnectionStringBuilder(db).Username}@{HostAddress}:{forwarder.Port}/{new NpgsqlConnectionStringBuilder(db).Database}";
            var worker = await CliProcess.RunAsync(dir.Path, ["worker", "--db", address, "--plan", planId, "--name", "remote"], timeout: TimeSpan.FromMinutes(2),
                prefix: ["ip", "netns", "exec", ns]);

            Assert.True(worker.ExitCode == 0, worker.All);
            Assert.Contains(IPAddress.Parse(WorkerAddress), forwarder.Clients);
            await using var connection = new NpgsqlConnection(db);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM trials", connection);
            Assert.Equal(4L, (long)(await count.ExecuteScalarAsync())!);
        }
        finally
        {
            TryIp("link", "del", hostEnd);
            TryIp("netns", "del", ns);
        }
    }

    private static void Ip(params string[] args)
    {
        if (TryIp(args) is { } error)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {error}");
        }
    }

    private static string? TryIp(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : stderr.Trim();
    }

    /// <summary>Forwards TCP connections from an address to a loopback port.</summary>
    private sealed class Forwarder : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly System.Collections.Concurrent.ConcurrentBag<IPAddress> _clients = [];

        public Forwarder(IPAddress address, int targetPort)
        {
            _listener = new TcpListener(address, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync(targetPort);
        }

        public int Port { get; }

        public IReadOnlyCollection<IPAddress> Clients => _clients;

        private async Task AcceptAsync(int targetPort)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _clients.Add(((IPEndPoint)client.Client.RemoteEndPoint!).Address);
                    _ = PumpAsync(client, targetPort);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task PumpAsync(TcpClient client, int targetPort)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                try
                {
                    await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                    var a = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
                    var b = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                    await Task.WhenAny(a, b);
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}

/// <summary>Needs PostgreSQL, root (to create network namespaces) and iproute2.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        Skip = PostgresServer.SkipReason
            ?? (Environment.UserName != "root" ? "creating a network namespace and a veth pair needs root" : null)
            ?? (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "iproute2 (ip) is not installed: apt-get install -y iproute2" : null);
    }
}
