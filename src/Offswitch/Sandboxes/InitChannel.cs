using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Offswitch.Sandboxes;

/// <summary>
/// The harness's end of the two pipes that the sandbox's PID 1 (<c>Init.pl</c>) inherits: requests go to its stdin,
/// events come from its stdout. No file, no name: only PID 1 holds the other ends, and it is not dumpable, so nothing
/// the agent runs can read, write or swallow a frame. The protocol is described at the top of <c>Init.pl</c>.
/// </summary>
internal sealed class InitChannel
{
    /// <summary>Per stream: PID 1 forwards this many bytes plus one, so that the harness knows to mark truncation.</summary>
    public const int MaxOutputBytes = 1024 * 1024;

    private readonly Stream _requests;
    private readonly Stream _events;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<string, Command> _commands = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pongs = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _next;

    public InitChannel(Stream requests, Stream events)
    {
        _requests = requests;
        _events = events;
        Closed = Task.Run(ReadLoopAsync);
    }

    /// <summary>Completes when PID 1 says it is ready.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when every writer of the event pipe is gone (PID 1 and bwrap have ended).</summary>
    public Task Closed { get; }

    /// <summary>Starts a command; its <see cref="Command.Done"/> gives the status (null: PID 1 could not start it).</summary>
    public Command Start(string text, bool login)
    {
        var id = "c" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var command = new Command(id);
        _commands[id] = command;
        var body = Encoding.UTF8.GetBytes(text);
        var head = Encoding.ASCII.GetBytes($"X {id} {(login ? 1 : 0)} {body.Length.ToString(CultureInfo.InvariantCulture)}\n");
        if (!Send(head, body))
            command.Fail();
        return command;
    }

    /// <summary>Asks PID 1 to SIGKILL the command's process group.</summary>
    public void Kill(Command command) => Send(Encoding.ASCII.GetBytes($"K {command.Id}\n"), []);

    /// <summary>Forgets a command (its output, if any more arrives, is dropped).</summary>
    public void Forget(Command command) => _commands.TryRemove(command.Id, out _);

    /// <summary>Sends a ping; the task completes when PID 1 answers it.</summary>
    public Task Ping()
    {
        var id = "p" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pongs[id] = pong;
        if (!Send(Encoding.ASCII.GetBytes($"P {id}\n"), []))
            _pongs.TryRemove(id, out _);
        _ = pong.Task.ContinueWith(_ => _pongs.TryRemove(id, out TaskCompletionSource? _), TaskScheduler.Default);
        return pong.Task;
    }

    private bool Send(byte[] head, byte[] body)
    {
        try
        {
            lock (_writeLock)
            {
                _requests.Write(head);
                if (body.Length > 0)
                    _requests.Write(body);
                _requests.Flush();
            }

            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return false;   // PID 1 is gone; the caller learns it from the machine's exit
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4096];   // grows for a large output chunk
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, buffer.Length * 2);
                var n = await _events.ReadAsync(buffer.AsMemory(filled));
                if (n == 0)
                    break;
                filled += n;
                var used = Parse(buffer.AsSpan(0, filled));
                if (used > 0)
                {
                    buffer.AsSpan(used, filled - used).CopyTo(buffer);
                    filled -= used;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed at dispose.
        }
        finally
        {
            foreach (var command in _commands.Values)
                command.Fail();
        }
    }

    /// <summary>Handles every complete frame at the start of <paramref name="data"/>; returns the bytes consumed.</summary>
    private int Parse(ReadOnlySpan<byte> data)
    {
        var consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0)
                return consumed;
            var header = Encoding.ASCII.GetString(rest[..newline]).Split(' ');
            switch (header)
            {
                case [("O" or "E") and var stream, var id, var lengthText] when int.TryParse(lengthText, CultureInfo.InvariantCulture, out var length):
                    if (rest.Length < newline + 1 + length)
                        return consumed;
                    if (_commands.TryGetValue(id, out var command))
                        command.Append(stream == "E", rest.Slice(newline + 1, length));
                    consumed += newline + 1 + length;
                    continue;
                case ["D", var id, var status] when int.TryParse(status, CultureInfo.InvariantCulture, out var code):
                    if (_commands.TryGetValue(id, out var done))
                        done.Finish(code);
                    break;
                case ["F", var id]:
                    if (_commands.TryGetValue(id, out var failed))
                        failed.Fail();
                    break;
                case ["P", var id]:
                    if (_pongs.TryGetValue(id, out var pong))
                        pong.TrySetResult();
                    break;
                case ["S"]:
                    _started.TrySetResult();
                    break;
            }

            consumed += newline + 1;
        }
    }

    /// <summary>One command in flight.</summary>
    internal sealed class Command(string id)
    {
        private readonly MemoryStream _stdout = new();
        private readonly MemoryStream _stderr = new();
        private readonly TaskCompletionSource<int?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = id;

        /// <summary>The exit status (128+N for a signal); null when PID 1 could not start it or went away.</summary>
        public Task<int?> Done => _done.Task;

        public void Append(bool stderr, ReadOnlySpan<byte> bytes)
        {
            var target = stderr ? _stderr : _stdout;
            lock (target)
            {
                var room = MaxOutputBytes + 1 - (int)target.Length;
                if (room > 0)
                    target.Write(bytes[..Math.Min(room, bytes.Length)]);
            }
        }

        public void Finish(int status) => _done.TrySetResult(status);

        public void Fail() => _done.TrySetResult(null);

        /// <summary>What the command wrote so far, decoded, with a note when it passed the cap.</summary>
        public (string Stdout, string Stderr) Output() => (Decode(_stdout), Decode(_stderr));

        private static string Decode(MemoryStream stream)
        {
            lock (stream)
            {
                var bytes = stream.GetBuffer().AsSpan(0, (int)stream.Length);
                var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, MaxOutputBytes)]);
                return bytes.Length > MaxOutputBytes ? text + $"\n[output truncated at {MaxOutputBytes} bytes]" : text;
            }
        }
    }
}
