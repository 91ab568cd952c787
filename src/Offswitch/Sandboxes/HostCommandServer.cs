using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Offswitch.Sandboxes;

/// <summary>
/// Serves host-command calls on a Unix socket that the sandbox sees, read-only, at
/// <c>/run/offswitch/host.sock</c>. One connection is one call: the request, any "run this locally" exchanges and
/// the reply all travel on it, so a reply reaches only the process that made the call, and there is no file or name
/// the agent could point elsewhere. The client side is <c>HostCall.pl</c>; its header describes the frames.
/// </summary>
internal sealed class HostCommandServer : IAsyncDisposable
{
    private const int MaxFrameBytes = 4 * 1024 * 1024;
    private const int MaxIdleConnections = 256;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly IReadOnlyDictionary<string, HostCommand> _commands;
    private readonly Func<CancellationToken, Task<bool>> _isAlive;
    private readonly Action<string> _diagnostic;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _accepting;
    private readonly LinkedList<Socket> _idle = new();

    /// <param name="socketPath">Where to listen; its directory must be the harness's own.</param>
    /// <param name="commands">The commands this sandbox has, by name.</param>
    /// <param name="isAlive">Whether the machine outlived a program the caller ran (PID 1's own answer).</param>
    /// <param name="diagnostic">Where handler failures are reported.</param>
    public HostCommandServer(string socketPath, IReadOnlyDictionary<string, HostCommand> commands, Func<CancellationToken, Task<bool>> isAlive, Action<string> diagnostic)
    {
        _commands = commands;
        _isAlive = isAlive;
        _diagnostic = diagnostic;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(128);
        _accepting = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_lifetime.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_lifetime.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            // A connection that has not sent its call yet is idle; past the cap the oldest idle one is dropped, so a
            // flood of silent connections cannot crowd out the calls that follow it (a real client writes its call
            // as soon as it connects).
            LinkedListNode<Socket> node;
            lock (_idle)
            {
                node = _idle.AddLast(connection);
                if (_idle.Count > MaxIdleConnections)
                {
                    // The oldest that has sent nothing at all goes first: a real client writes its call right after
                    // connecting, so under a flood its bytes are already waiting when it is accepted.
                    var victim = _idle.First!;
                    for (var candidate = _idle.First; candidate is not null; candidate = candidate.Next)
                    {
                        if (Available(candidate.Value) == 0)
                        {
                            victim = candidate;
                            break;
                        }
                    }

                    _idle.Remove(victim);
                    victim.Value.Dispose();
                }
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(connection, node);
                }
                finally
                {
                    NotIdle(node);
                    connection.Dispose();
                }
            });
        }
    }

    private static int Available(Socket socket)
    {
        try
        {
            return socket.Available;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    private void NotIdle(LinkedListNode<Socket> node)
    {
        lock (_idle)
        {
            if (node.List is not null)
                _idle.Remove(node);
        }
    }

    private async Task ServeAsync(Socket connection, LinkedListNode<Socket> node)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        try
        {
            (char Type, byte[] Payload)? request;
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token))
            {
                first.CancelAfter(RequestTimeout);
                request = await ReadFrameAsync(stream, first.Token);
            }

            NotIdle(node);
            if (request is not ('c', var payload))
                return;
            var parts = Encoding.UTF8.GetString(payload).Split('\0');
            if (parts.Length < 2 || !_commands.TryGetValue(parts[0], out var command))
            {
                await ReplyAsync(stream, new HostCommandResult("", $"{(parts.Length > 0 ? parts[0] : "host command")}: unknown command\n", 127));
                return;
            }

            var call = new Call(this, stream)
            {
                Name = command.Name,
                WorkingDirectory = parts[1],
                Arguments = parts[2..],
            };
            HostCommandResult result;
            try
            {
                result = await command.Handler(call, _lifetime.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
            {
                if (e is not CallerGoneException)
                    _diagnostic($"host command {command.Name} failed: {e}");
                result = new HostCommandResult("", $"{command.Name}: internal error\n", 70);
            }

            await ReplyAsync(stream, result);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The caller or the machine went away mid-call; nothing is waiting for an answer.
        }
    }

    private async Task ReplyAsync(Stream stream, HostCommandResult result)
    {
        await WriteFrameAsync(stream, 'o', Encoding.UTF8.GetBytes(result.Stdout), _lifetime.Token);
        await WriteFrameAsync(stream, 'e', Encoding.UTF8.GetBytes(result.Stderr), _lifetime.Token);
        await WriteFrameAsync(stream, 'x', Encoding.ASCII.GetBytes(result.ExitCode.ToString(CultureInfo.InvariantCulture)), _lifetime.Token);
    }

    private static async Task WriteFrameAsync(Stream stream, char type, byte[] payload, CancellationToken cancellationToken)
    {
        var head = new byte[5];
        head[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(1), payload.Length);
        await stream.WriteAsync(head, cancellationToken);
        await stream.WriteAsync(payload, cancellationToken);
    }

    /// <summary>The next frame; null at end of stream. A frame above the cap ends the call.</summary>
    private static async Task<(char Type, byte[] Payload)?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[5];
        if (!await ReadExactlyOrEndAsync(stream, head, cancellationToken))
            return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(1));
        if (length is < 0 or > MaxFrameBytes)
            throw new IOException("host-command frame too large");
        var payload = new byte[length];
        if (!await ReadExactlyOrEndAsync(stream, payload, cancellationToken))
            return null;
        return ((char)head[0], payload);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
                return false;
            read += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _lifetime.Dispose();
    }

    /// <summary>The caller ended (its command timed out or was killed) before the program it was asked to run reported.</summary>
    private sealed class CallerGoneException() : IOException("The caller went away before the program it ran had ended.");

    private sealed class Call(HostCommandServer server, Stream stream) : HostCommandCall
    {
        private int _running;

        public override async Task<LocalRunResult> RunLocallyAsync(string program, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(program);
            if (Interlocked.Exchange(ref _running, 1) != 0)
                throw new InvalidOperationException("RunLocallyAsync is already running for this call.");
            try
            {
                await WriteFrameAsync(stream, 'r', Encoding.UTF8.GetBytes(program), cancellationToken);
                string stdout = "", stderr = "";
                int? status = null;
                while (status is null)
                {
                    var frame = await ReadFrameAsync(stream, cancellationToken);
                    if (frame is not { } f)
                    {
                        // The caller is gone: either the program ended the machine (and the caller with it), or the
                        // caller alone was killed. Only PID 1 can tell which.
                        if (!await server._isAlive(cancellationToken))
                            return new LocalRunResult(-1, stdout, stderr, MachineGone: true);
                        throw new CallerGoneException();
                    }

                    switch (f.Type)
                    {
                        case 'o':
                            stdout = Encoding.UTF8.GetString(f.Payload);
                            break;
                        case 'e':
                            stderr = Encoding.UTF8.GetString(f.Payload);
                            break;
                        case 's':
                            status = int.TryParse(Encoding.ASCII.GetString(f.Payload), CultureInfo.InvariantCulture, out var code) ? code : -1;
                            break;
                    }
                }

                // "The program returned" counts only once PID 1 has shown it outlived the program.
                var alive = await server._isAlive(cancellationToken);
                return new LocalRunResult(status.Value, stdout, stderr, MachineGone: !alive);
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }
    }
}
