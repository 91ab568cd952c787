using System.Runtime.Versioning;
using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.IntegrationTests.Sandboxes;

/// <summary>
/// The channel between the harness and a sandbox is a boundary: nothing the agent runs can reach PID 1's pipes, make
/// the harness open a host file, forge or steal a host-command reply, or fake the machine's death. Each test attacks
/// one sandbox directly and checks the host afterwards (the CLI-level versions are in Security/).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ChannelBoundaryTests : IDisposable
{
    private static readonly ExecOptions Short = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _canaryDir = Directory.CreateTempSubdirectory("offswitch-canary-").FullName;
    private readonly string _canary;
    private readonly string _secret = "canary-" + Guid.NewGuid().ToString("N");

    public ChannelBoundaryTests()
    {
        _canary = Path.Combine(_canaryDir, "secret");
        File.WriteAllText(_canary, _secret + "\n");
        File.SetUnixFileMode(_canary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static async Task<BubblewrapSandbox> StartAsync(SandboxSpec? spec = null) =>
        (BubblewrapSandbox)await new BubblewrapSandboxProvider().CreateAsync(spec ?? new SandboxSpec());

    [Fact]
    public async Task Pid1_FromInside_CannotBeTracedStoppedOrOpened()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync(
            "ls /proc/1/fd 2>&1; cat /proc/1/environ 2>&1; echo x > /proc/1/fd/0 2>&1; echo x > /proc/1/fd/1 2>&1; " +
            // PTRACE_ATTACH (16) by the raw system call, whatever debuggers the host has.
            "n=101; [ \"$(uname -m)\" = aarch64 ] && n=117; perl -e 'print syscall($ARGV[0], 16, 1, 0, 0) == -1 ? \"attach: $!\\n\" : \"ATTACHED\\n\"' $n; " +
            "kill -STOP 1; kill -TSTP 1; sleep 0.3; grep State /proc/1/status", Short);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("attach: Operation not permitted", result.Stdout);
        Assert.DoesNotContain("ATTACHED", result.Stdout);
        Assert.Equal(4, CountOccurrences(result.Stdout + result.Stderr, "Permission denied"));
        Assert.DoesNotContain("(stopped)", result.Stdout);
        Assert.DoesNotContain("tracing stop", result.Stdout);
        Assert.False(result.SandboxGone);
        var after = await sandbox.ExecAsync("echo alive", Short);
        Assert.Equal("alive\n", after.Stdout);
    }

    [Fact]
    public async Task PingAsync_Pid1PausedFromTheHost_CountsAliveNotGone()
    {
        // Only a host debugger or a host signal can pause PID 1; a paused machine has not shut down.
        await using var sandbox = await StartAsync();
        Assert.Equal(0, Kill(sandbox.InitHostPid, 19));   // SIGSTOP
        try
        {
            var alive = await sandbox.PingAsync();

            Assert.True(alive);
            Assert.True(sandbox.IsAlive);
        }
        finally
        {
            Kill(sandbox.InitHostPid, 18);   // SIGCONT
        }

        var after = await sandbox.ExecAsync("echo resumed", Short);
        Assert.Equal("resumed\n", after.Stdout);
        Assert.False(after.SandboxGone);
    }

    [Fact]
    public async Task PingAsync_Pid1Killed_IsGone()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync("kill -s TERM 1; echo sent", Short);

        Assert.True(result.SandboxGone);
        Assert.False(await sandbox.PingAsync());
        Assert.Equal("signal TERM", sandbox.ExitDescription);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
#pragma warning disable CA5392, SYSLIB1054 // P/Invoke kept minimal for the test
    private static extern int Kill(int pid, int signal);
#pragma warning restore CA5392, SYSLIB1054

    [Fact]
    public async Task ChannelDirectory_IsReadOnlyAndHoldsOnlyTheSocket()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync(
            "ls -A /run/offswitch; touch /run/offswitch/x 2>&1; ln -s /etc/shadow /run/offswitch/l 2>&1; mkdir /run/offswitch/hc 2>&1; " +
            "rm -f /run/offswitch/host.sock 2>&1; echo done", Short);

        Assert.StartsWith("host.sock\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, CountOccurrences(result.Stdout, "Read-only file system"));
    }

    [Fact]
    public async Task ExecOutput_ManyCommandsInParallel_EachGetsItsOwn()
    {
        await using var sandbox = await StartAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            sandbox.ExecAsync($"printf 'out{i}'; printf 'err{i}' >&2; exit {i % 7}", Short with { Login = i % 2 == 0 })));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal($"out{i}", results[i].Stdout);
            Assert.Equal($"err{i}", results[i].Stderr);
            Assert.Equal(i % 7, results[i].ExitCode);
        }
    }

    [Fact]
    public async Task ExecOutput_BinaryAndLarge_ArriveExactlyAndTruncatedAtTheCap()
    {
        await using var sandbox = await StartAsync();

        var nul = await sandbox.ExecAsync("printf 'a\\0b\\nc'", Short);
        var big = await sandbox.ExecAsync("head -c 3000000 /dev/zero | tr '\\0' y", Short);

        Assert.Equal("a\0b\nc", nul.Stdout);
        Assert.StartsWith(new string('y', 1024 * 1024), big.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("[output truncated at 1048576 bytes]", big.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecOutput_BackgroundChildHoldsTheOutput_CommandStillReturnsAndChildKeepsWriting()
    {
        await using var sandbox = await StartAsync();

        var started = await sandbox.ExecAsync("(for i in $(seq 1 20); do echo tick; sleep 0.1; done; echo finished > ~/bg) & echo started", Short);
        await Task.Delay(3000);
        var after = await sandbox.ExecAsync("cat ~/bg", Short);

        // What the child wrote before the command ended is part of its output; what it writes later is discarded.
        Assert.Contains("started\n", started.Stdout);
        Assert.True(CountOccurrences(started.Stdout, "tick") <= 3, started.Stdout);
        Assert.True(started.Duration < TimeSpan.FromSeconds(2), started.Duration.ToString());
        Assert.Equal("finished\n", after.Stdout);
    }

    [Fact]
    public async Task ExecOutput_BackgroundFloodAfterTheCommand_IsCutAndTheMachineStaysResponsive()
    {
        await using var sandbox = await StartAsync();

        var started = await sandbox.ExecAsync("(yes &); echo started", Short);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        ExecResult left;
        do
        {
            await Task.Delay(250);
            left = await sandbox.ExecAsync("pgrep -c -x yes || true", Short);
        }
        while (left.Stdout.Trim() != "0" && DateTime.UtcNow < deadline);

        Assert.Contains("started", started.Stdout);
        Assert.Equal("0", left.Stdout.Trim());   // cut after its 64 MiB: EPIPE ended it
        Assert.False(left.SandboxGone);
    }

    [Fact]
    public async Task HostCommand_ForgedAndGarbageConnections_DoNotDisturbRealCalls()
    {
        var calls = 0;
        var spec = new SandboxSpec
        {
            HostCommands = [new HostCommand("probe", (call, _) =>
            {
                Interlocked.Increment(ref calls);
                return Task.FromResult(new HostCommandResult($"args={string.Join(',', call.Arguments)} cwd={call.WorkingDirectory}\n"));
            })],
        };
        await using var sandbox = await StartAsync(spec);

        // Garbage, a frame claiming 2 GiB, a call for an unknown command, a flood of idle connections, then real calls.
        var attack = await sandbox.ExecAsync(
            "perl -MSocket -e 'for my $p (\"garbage\\n\", \"c\\x7f\\xff\\xff\\xff\", pack(\"a1 N\", \"c\", 9).\"nothere\\0/\") {" +
            " socket(my $s, AF_UNIX, SOCK_STREAM, 0); connect($s, pack_sockaddr_un(\"/run/offswitch/host.sock\")) or die; syswrite($s, $p);" +
            " my $r = \"\"; sysread($s, $r, 100); print length($r), \"\\n\" }';" +
            " for i in $(seq 1 100); do (exec 3<>/dev/null; perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_STREAM, 0); connect($s, pack_sockaddr_un(\"/run/offswitch/host.sock\")); sleep 20' &) ; done; echo flooded",
            Short);
        var real = await sandbox.ExecAsync("mkdir -p d && cd d && ~/probe 'a b' '' c", Short);

        Assert.Contains("flooded", attack.Stdout);
        Assert.Equal("args=a b,,c cwd=/home/user/d\n", real.Stdout);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ReadFileAsync_SymlinkSwappedInALoop_NeverReturnsAHostFile()
    {
        await using var sandbox = await StartAsync();
        await sandbox.ExecAsync("mkdir -p real && echo mine > real/f", Short);
        // Race the harness: the agent keeps swapping the file and its directory for links to the host's canary.
        await sandbox.ExecAsync(
            $"(while :; do ln -sfn {_canary} f; echo mine > f.tmp && mv -f f.tmp f; mv -T real real.x 2>/dev/null; ln -sfn {_canaryDir} real; " +
            "rm -f real; mv -T real.x real 2>/dev/null; done) >/dev/null 2>&1 &", Short);

        for (var i = 0; i < 300; i++)
        {
            foreach (var path in new[] { "f", "real/f", "real/secret" })
            {
                var bytes = await sandbox.ReadFileAsync(path);
                if (bytes is not null)
                    Assert.DoesNotContain(_secret, Encoding.UTF8.GetString(bytes));
            }
        }
    }

    [Fact]
    public async Task WriteFileAsync_TargetIsASymlinkToAHostFile_ReplacesTheLinkAndLeavesTheHostFile()
    {
        await using var sandbox = await StartAsync();
        var hostTarget = Path.Combine(_canaryDir, "created-by-harness");
        await sandbox.ExecAsync($"ln -s {_canary} notes.txt; ln -s {_canaryDir} dir; mkfifo pipe", Short);

        await sandbox.WriteFileAsync("notes.txt", "harness\n"u8.ToArray());
        await sandbox.WriteFileAsync("pipe", "harness\n"u8.ToArray());
        await Assert.ThrowsAnyAsync<Exception>(() => sandbox.WriteFileAsync("dir/created-by-harness", "x"u8.ToArray()));

        Assert.Equal(_secret + "\n", File.ReadAllText(_canary));
        Assert.False(File.Exists(hostTarget));
        var inside = await sandbox.ExecAsync("stat -c %F notes.txt pipe; cat notes.txt pipe", Short);
        Assert.Equal("regular file\nregular file\nharness\nharness\n", inside.Stdout);
    }

    [RootFact("the tmpfs and the cgroup; without root the README's fallback applies")]
    public async Task Limits_AsRoot_DiskAndMemoryOfTheWholeSandboxAreCapped()
    {
        await using var sandbox = await StartAsync(new SandboxSpec
        {
            Limits = new SandboxLimits { DiskBytes = 16L * 1024 * 1024, MemoryBytes = 96L * 1024 * 1024 },
        });

        // bwrap itself is in the group: the start chain joined it before bwrap ran, so PID 1 was born inside.
        Assert.Contains("/offswitch-", File.ReadAllText($"/proc/{sandbox.HostPid}/cgroup"));
        Assert.Contains("/offswitch-", File.ReadAllText($"/proc/{sandbox.InitHostPid}/cgroup"));
        var disk = await sandbox.ExecAsync("head -c 12M /dev/zero > a; head -c 12M /dev/zero > /tmp/b; echo rc=$?; df -B1M --output=size ~ | tail -1", Short);
        await sandbox.ExecAsync("rm -f a /tmp/b", Short);
        // Four processes of 40 MiB each: every one is within its rlimit, together they pass the sandbox's cap.
        var memory = await sandbox.ExecAsync(
            "for i in 1 2 3 4; do perl -e '$x = \"a\" x (40*1024*1024); sleep 3' & done; wait; echo waited", Short with { Timeout = TimeSpan.FromSeconds(20) });

        Assert.Contains("No space left on device", disk.Stderr);
        Assert.Contains("rc=1", disk.Stdout);
        Assert.EndsWith("16\n", disk.Stdout, StringComparison.Ordinal);
        Assert.Contains("waited", memory.Stdout);
        Assert.Contains("Killed", memory.Stderr + memory.Stdout);
        Assert.True(sandbox.IsAlive);
    }

    private static int CountOccurrences(string text, string needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    public void Dispose() => Directory.Delete(_canaryDir, recursive: true);
}

/// <summary>What a killed harness leaves behind is removed by the next one.</summary>
[SupportedOSPlatform("linux")]
public sealed class StaleSandboxesTests
{
    [RootFact("only root mounts a tmpfs per sandbox")]
    public void Sweep_MountAndDirectoryOfADeadHarness_AreRemoved_ThoseOfALiveOneStay()
    {
        var dead = Enumerable.Range(0, 1000).Select(i => 4_000_000 + i).First(p => !Directory.Exists($"/proc/{p}"));
        var deadRoot = Path.Combine(Path.GetTempPath(), $"offswitch-sandbox-{dead}-test{Guid.NewGuid():N}");
        var liveRoot = Path.Combine(Path.GetTempPath(), $"offswitch-sandbox-{Environment.ProcessId}-test{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(deadRoot, "disk"));
        Directory.CreateDirectory(liveRoot);
        Assert.Equal(0, HostProgram.Run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", Path.Combine(deadRoot, "disk")));
        try
        {
            StaleSandboxes.Sweep();

            Assert.DoesNotContain(Path.Combine(deadRoot, "disk"), File.ReadAllText("/proc/self/mountinfo"));
            Assert.False(Directory.Exists(deadRoot));
            Assert.True(Directory.Exists(liveRoot));
        }
        finally
        {
            HostProgram.Run("/usr/bin/umount", "-l", Path.Combine(deadRoot, "disk"));
            if (Directory.Exists(deadRoot))
                Directory.Delete(deadRoot, recursive: true);
            Directory.Delete(liveRoot, recursive: true);
        }
    }

}
