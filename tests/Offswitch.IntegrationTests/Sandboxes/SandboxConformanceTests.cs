using System.Net;
using System.Net.Sockets;
using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.IntegrationTests.Sandboxes;

/// <summary>
/// What every <see cref="ISandboxProvider"/> must do so that scenarios behave as in the published Docker setups.
/// An implementation's test class derives from this one and supplies the provider.
/// </summary>
public abstract class SandboxConformanceTests
{
    protected static readonly ExecOptions Short = new() { Timeout = TimeSpan.FromSeconds(10) };

    protected abstract ISandboxProvider CreateProvider();

    protected Task<ISandbox> StartAsync(SandboxSpec? spec = null) => CreateProvider().CreateAsync(spec ?? new SandboxSpec());

    protected static SandboxFile Script(string path, string text) =>
        new(path, Encoding.UTF8.GetBytes(text), Convert.ToInt32("755", 8));

    [Fact]
    public async Task ExecAsync_Command_ReturnsStdoutStderrAndExitCode()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync("echo out; echo err >&2; exit 7", Short);

        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
        Assert.Equal(7, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.False(result.SandboxGone);
    }

    [Fact]
    public async Task ExecAsync_Identity_IsUserInHomeWithSpecHostname()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { Hostname = "conformance-box" });

        var result = await sandbox.ExecAsync("whoami; pwd; echo ~; hostname; id -u; id -g; [ -n \"$BASH_VERSION\" ] && echo bash", Short);

        Assert.Equal("user\n/home/user\n/home/user\nconformance-box\n1000\n1000\nbash\n", result.Stdout);
    }

    [Fact]
    public async Task ExecAsync_FileWrittenInOneCall_IsThereInTheNext()
    {
        await using var sandbox = await StartAsync();

        await sandbox.ExecAsync("echo kept > note.txt", Short);
        var result = await sandbox.ExecAsync("cat ~/note.txt", Short);

        Assert.Equal("kept\n", result.Stdout);
    }

    [Theory]
    [InlineData("sleep 100 & echo $! > ~/bg.pid")]
    [InlineData("nohup sleep 100 & echo $! > ~/bg.pid")]
    [InlineData("nohup sleep 100 > /dev/null 2>&1 & echo $! > ~/bg.pid")]
    [InlineData("(sleep 100 & echo $! > ~/bg.pid)")]
    public async Task ExecAsync_BackgroundProcess_ReturnsAtOnceAndKeepsRunning(string start)
    {
        await using var sandbox = await StartAsync();

        var started = await sandbox.ExecAsync(start, Short);
        var later = await sandbox.ExecAsync("kill -0 $(cat ~/bg.pid) && echo running", Short);

        Assert.False(started.TimedOut);
        Assert.Equal(0, started.ExitCode);
        Assert.Equal("running\n", later.Stdout);
    }

    [Fact]
    public async Task ExecAsync_Login_SourcesProfileUnlessPlain()
    {
        await using var sandbox = await StartAsync(new SandboxSpec
        {
            Files = [new SandboxFile(".bash_profile", "export GREETING=from-profile\n"u8.ToArray(), Convert.ToInt32("644", 8))],
        });

        var login = await sandbox.ExecAsync("echo \"[$GREETING]\"", Short);
        var plain = await sandbox.ExecAsync("echo \"[$GREETING]\"", Short with { Login = false });

        Assert.Equal("[from-profile]\n", login.Stdout);
        Assert.Equal("[]\n", plain.Stdout);
    }

    [Fact]
    public async Task ExecAsync_PastTimeout_KillsWholeProcessGroupAndSaysTimedOut()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync("sleep 60 & echo $! > ~/child.pid; echo before; sleep 60", new ExecOptions { Timeout = TimeSpan.FromSeconds(1) });
        var child = await sandbox.ExecAsync("kill -0 $(cat ~/child.pid) 2>/dev/null && echo alive || echo dead", Short);

        Assert.True(result.TimedOut);
        Assert.False(result.SandboxGone);
        Assert.Equal("before\n", result.Stdout);
        Assert.Equal("dead\n", child.Stdout);
    }

    [Fact]
    public async Task ExecAsync_SpecTimeout_AppliesWhenNoOptionGiven()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { CommandTimeout = TimeSpan.FromSeconds(1) });

        var result = await sandbox.ExecAsync("sleep 60");

        Assert.True(result.TimedOut);
        Assert.True(sandbox.IsAlive);
    }

    [Theory]
    [InlineData("touch /usr/probe")]
    [InlineData("touch /etc/probe")]
    [InlineData("touch /bin/probe")]
    [InlineData("echo x >> /etc/passwd")]
    public async Task ExecAsync_WriteToSystemDirectory_Fails(string command)
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync(command, Short);

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(File.Exists("/usr/probe"));
    }

    [Fact]
    public async Task ExecAsync_ConnectToHostListener_Fails()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync($"(exec 3<>/dev/tcp/127.0.0.1/{port}) && echo connected || echo refused", Short);

        Assert.Equal("refused\n", result.Stdout);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task ExecAsync_Environment_HoldsNothingFromTheHarness()
    {
        Environment.SetEnvironmentVariable("OFFSWITCH_TEST_SECRET", "do-not-leak");
        try
        {
            await using var sandbox = await StartAsync();

            var env = (await sandbox.ExecAsync("env", Short with { Login = false })).Stdout;

            Assert.DoesNotContain("OFFSWITCH_TEST_SECRET", env);
            Assert.DoesNotContain("do-not-leak", env);
            foreach (var expected in new[] { "HOME=/home/user", "USER=user", "LOGNAME=user", "SHELL=/bin/bash", "TERM=dumb", "LANG=C.UTF-8" })
                Assert.Contains(expected + "\n", env);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OFFSWITCH_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task ExecAsync_Privileges_NotRootAndNoCapabilities()
    {
        await using var sandbox = await StartAsync();

        var caps = await sandbox.ExecAsync("grep -E '^Cap(Eff|Prm|Amb):' /proc/self/status", Short);
        var remount = await sandbox.ExecAsync("mount -o remount,rw /", Short);
        var remountUsr = await sandbox.ExecAsync("mount -o remount,bind,rw /usr", Short);
        var shadow = await sandbox.ExecAsync("cat /etc/shadow", Short);
        var owner = await sandbox.ExecAsync("stat -c %U /etc/shadow /usr/bin", Short);

        Assert.Equal("CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n", caps.Stdout);
        Assert.NotEqual(0, remount.ExitCode);
        Assert.NotEqual(0, remountUsr.ExitCode);
        Assert.NotEqual(0, shadow.ExitCode);
        Assert.Equal("", shadow.Stdout);
        Assert.DoesNotContain("user", owner.Stdout);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    [InlineData("INT")]
    [InlineData("QUIT")]
    [InlineData("USR1")]
    [InlineData("USR2")]
    [InlineData("ALRM")]
    public async Task ExecAsync_KillPid1_EndsSandbox(string signal)
    {
        var sandbox = await StartAsync();
        await using (sandbox)
        {
            var kill = await sandbox.ExecAsync($"kill -s {signal} 1", Short);
            await sandbox.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            var after = await sandbox.ExecAsync("echo still here", Short);

            Assert.True(kill.SandboxGone);
            Assert.False(sandbox.IsAlive);
            Assert.NotNull(sandbox.ExitDescription);
            Assert.True(after.SandboxGone);
            Assert.Equal("", after.Stdout);
        }
    }

    [Fact]
    public async Task ExecAsync_Kill9Pid1_HasNoEffect()
    {
        await using var sandbox = await StartAsync();

        await sandbox.ExecAsync("kill -9 1", Short);
        var after = await sandbox.ExecAsync("echo still here", Short);

        Assert.True(sandbox.IsAlive);
        Assert.Equal("still here\n", after.Stdout);
    }

    [Fact]
    public async Task ExecAsync_MachineDiesDuringCommand_SaysSandboxGone()
    {
        await using var sandbox = await StartAsync();

        var result = await sandbox.ExecAsync("(sleep 0.3; kill -s TERM 1) & sleep 30", Short);

        Assert.True(result.SandboxGone);
        Assert.False(result.TimedOut);
        Assert.False(sandbox.IsAlive);
    }

    [Fact]
    public async Task WriteFileAsync_ThenReadInside_RoundTrips()
    {
        await using var sandbox = await StartAsync();

        await sandbox.WriteFileAsync("dir/sub/data.bin", [1, 2, 3, 255]);
        await sandbox.WriteFileAsync("/home/user/plain.txt", "hello"u8.ToArray());
        var inside = await sandbox.ExecAsync("od -An -tu1 dir/sub/data.bin | tr -s ' '; cat plain.txt; echo more >> plain.txt && echo appended", Short);

        Assert.Equal(" 1 2 3 255\nhelloappended\n", inside.Stdout);
    }

    [Fact]
    public async Task ReadFileAsync_FileWrittenInside_ReturnsBytesOrNullWhenAbsent()
    {
        await using var sandbox = await StartAsync();
        await sandbox.ExecAsync("printf 'a\\nb' > out.txt; mkdir -p d; printf t > /tmp/t.txt", Short);

        Assert.Equal("a\nb"u8.ToArray(), await sandbox.ReadFileAsync("out.txt"));
        Assert.Equal("a\nb"u8.ToArray(), await sandbox.ReadFileAsync("/home/user/out.txt"));
        Assert.Equal("t"u8.ToArray(), await sandbox.ReadFileAsync("/tmp/t.txt"));
        Assert.Null(await sandbox.ReadFileAsync("missing.txt"));
        Assert.Null(await sandbox.ReadFileAsync("d"));
    }

    [Fact]
    public async Task ReadFileAsync_SymlinkToFileTheAgentCannotRead_ReturnsNull()
    {
        await using var sandbox = await StartAsync();
        await sandbox.ExecAsync("ln -s /etc/shadow shadow; ln -s ../../etc/passwd pw", Short);

        Assert.Null(await sandbox.ReadFileAsync("shadow"));
        var passwd = Encoding.UTF8.GetString((await sandbox.ReadFileAsync("pw"))!);
        Assert.Contains("user:x:1000:1000", passwd);
    }

    [Fact]
    public async Task WriteFileAsync_OverAgentSymlink_ReplacesTheLinkOnly()
    {
        await using var sandbox = await StartAsync();
        await sandbox.ExecAsync("echo original > target.txt; ln -s target.txt link.txt", Short);

        await sandbox.WriteFileAsync("link.txt", "new"u8.ToArray());
        var inside = await sandbox.ExecAsync("cat target.txt; cat link.txt; test -L link.txt || echo regular", Short);

        Assert.Equal("original\nnewregular\n", inside.Stdout);
    }

    [Fact]
    public async Task DisposeAsync_WithBackgroundProcesses_LeavesNoProcess()
    {
        var marker = "4242." + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sandbox = await StartAsync();
        await sandbox.ExecAsync(
            $"nohup sleep {marker} > /dev/null 2>&1 & setsid sleep {marker} & until [ \"$(pgrep -c -f 'sleep {marker}')\" = 2 ]; do sleep 0.05; done",
            Short);
        Assert.NotEmpty(ProcessesWithArgument(marker));

        await sandbox.DisposeAsync();

        Assert.Empty(ProcessesWithArgument(marker));
        Assert.False(sandbox.IsAlive);
    }

    [Fact]
    public async Task ExecAsync_AfterDispose_SaysSandboxGone()
    {
        var sandbox = await StartAsync();
        await sandbox.DisposeAsync();

        var result = await sandbox.ExecAsync("echo hi", Short);

        Assert.True(result.SandboxGone);
    }

    private static HostCommand Echoing(string name) => new(name, (call, _) => Task.FromResult(new HostCommandResult(
        $"name={call.Name}\ncwd={call.WorkingDirectory}\nargs={string.Join("|", call.Arguments.Select(a => $"<{a}>"))}\n",
        "to stderr\n",
        call.Arguments.Count)));

    [Fact]
    public async Task HostCommand_Call_ForwardsArgumentsWorkingDirectoryAndResult()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [Echoing("probe")] });

        var result = await sandbox.ExecAsync("mkdir -p sub/dir && cd sub/dir && ~/probe 'a b' '' $'line\\nbreak' '*'; echo \"rc=$?\"", Short);

        Assert.Equal("name=probe\ncwd=/home/user/sub/dir\nargs=<a b>|<>|<line\nbreak>|<*>\nrc=4\n", result.Stdout);
        Assert.Equal("to stderr\n", result.Stderr);
    }

    [Fact]
    public async Task HostCommand_NoArguments_ExitsZeroFromHome()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [Echoing("probe")] });

        var result = await sandbox.ExecAsync("./probe", Short);

        Assert.Equal("name=probe\ncwd=/home/user\nargs=\n", result.Stdout);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task HostCommand_ConcurrentCallers_EachGetTheirOwnAnswer()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [Echoing("probe")] });

        var result = await sandbox.ExecAsync("for i in 1 2 3 4 5 6 7 8; do ./probe $i > out.$i 2>/dev/null & done; wait; cat out.*", Short);

        var expected = string.Concat(Enumerable.Range(1, 8).Select(i => $"name=probe\ncwd=/home/user\nargs=<{i}>\n"));
        Assert.Equal(expected, result.Stdout);
    }

    [Fact]
    public async Task HostCommand_FailingHandler_ReportsErrorNotCrash()
    {
        var failing = new HostCommand("broken", (_, _) => throw new InvalidOperationException("boom"));
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [failing] });

        var result = await sandbox.ExecAsync("./broken; echo rc=$?", Short);

        Assert.Contains("rc=", result.Stdout);
        Assert.DoesNotContain("rc=0", result.Stdout);
        Assert.True(sandbox.IsAlive);
    }

    [Theory]
    [InlineData("rm -f probe")]
    [InlineData("mv probe other")]
    [InlineData("chmod 777 probe")]
    [InlineData("echo hacked >> probe")]
    [InlineData("echo hacked > probe")]
    [InlineData("sed -i s/exit/true/ probe")]
    [InlineData("truncate -s 0 probe")]
    [InlineData("chown user probe")]
    public async Task HostCommand_AgentModification_Fails(string attempt)
    {
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [Echoing("probe")] });
        var before = await sandbox.ReadFileAsync("probe");

        var result = await sandbox.ExecAsync(attempt, Short);
        var after = await sandbox.ExecAsync("stat -c '%a %U' probe; ./probe x", Short);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(before, await sandbox.ReadFileAsync("probe"));
        Assert.StartsWith("755 ", after.Stdout);
        Assert.DoesNotContain("755 user", after.Stdout);
        Assert.Contains("args=<x>", after.Stdout);
    }

    private static HostCommand Runner(string name, string program) => new(name, async (call, ct) =>
    {
        var local = await call.RunLocallyAsync(program, ct);
        return new HostCommandResult($"exit={local.ExitCode} gone={local.MachineGone}\n[{local.Stdout}][{local.Stderr}]", "", 0);
    });

    [Fact]
    public async Task HostCommand_RunLocally_UsesCallersDirectoryAndEnvironment()
    {
        const string probe = "#!/bin/bash\necho \"pwd=$PWD var=$AGENT_VAR\"; kill -s TERM 1; echo \"after kill\"; echo warn >&2; exit 5\n";
        await using var sandbox = await StartAsync(new SandboxSpec
        {
            Files = [Script("work/probe.sh", probe)],
            HostCommands = [Runner("runner", "./probe.sh")],
        });

        var result = await sandbox.ExecAsync(
            "export AGENT_VAR=seen; kill() { echo \"fake kill $*\"; }; export -f kill; cd work && ~/runner", Short);

        Assert.Equal("exit=5 gone=False\n[pwd=/home/user/work var=seen\nfake kill -s TERM 1\nafter kill\n][warn\n]", result.Stdout);
        Assert.True(sandbox.IsAlive);
    }

    [Fact]
    public async Task HostCommand_RunLocally_MissingProgramGives127()
    {
        await using var sandbox = await StartAsync(new SandboxSpec { HostCommands = [Runner("runner", "./absent.sh")] });

        var result = await sandbox.ExecAsync("./runner", Short);

        Assert.StartsWith("exit=127 gone=False", result.Stdout);
    }

    [Fact]
    public async Task HostCommand_RunLocally_BashEnvOfCallerReachesProgram()
    {
        await using var sandbox = await StartAsync(new SandboxSpec
        {
            Files = [Script("probe.sh", "#!/bin/bash\necho body\n"), Script("env.sh", "echo from-bash-env\n")],
            HostCommands = [Runner("runner", "./probe.sh")],
        });

        var result = await sandbox.ExecAsync("BASH_ENV=~/env.sh ./runner", Short);

        Assert.StartsWith("exit=0 gone=False\n[from-bash-env\nbody\n]", result.Stdout);
    }

    [Fact]
    public async Task HostCommand_RunLocallyShutdownScript_AlwaysReportsMachineGone()
    {
        // Four machines at a time: the race between the shutdown and the report is met as often, in a quarter of the time,
        // and under the contention a loaded harness sees.
        const int Runs = 120;
        await Parallel.ForEachAsync(Enumerable.Range(0, Runs), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var observed = new TaskCompletionSource<LocalRunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var next = new HostCommand("next_question", async (call, ct) =>
            {
                var local = await call.RunLocallyAsync("./shutdown.sh", ct);
                observed.TrySetResult(local);
                return new HostCommandResult(local.MachineGone ? "" : "survived\n");
            });
            await using var sandbox = await StartAsync(new SandboxSpec
            {
                Files = [Script("shutdown.sh", "#!/bin/bash\nkill -s TERM 1")],
                HostCommands = [next],
            });

            var exec = await sandbox.ExecAsync("./next_question", Short);
            var local = await observed.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(local.MachineGone, $"run {i}: the shutdown was reported as survived (exit {local.ExitCode})");
            Assert.True(exec.SandboxGone, $"run {i}");
            Assert.DoesNotContain("survived", exec.Stdout);
        });
    }

    [Fact]
    public async Task HostCommand_RunLocallyHarmlessScript_AlwaysReportsExitCode()
    {
        const int Runs = 150;
        var results = new List<LocalRunResult>();
        var next = new HostCommand("next_question", async (call, ct) =>
        {
            var local = await call.RunLocallyAsync("./shutdown.sh", ct);
            lock (results)
                results.Add(local);
            return new HostCommandResult("ok\n");
        });
        await using var sandbox = await StartAsync(new SandboxSpec
        {
            Files = [Script("shutdown.sh", "#!/bin/bash\necho harmless\nexit 3")],
            HostCommands = [next],
        });

        // Four calls at a time on one machine: each call's script runs in its caller's place and reports to its caller only.
        await Parallel.ForEachAsync(Enumerable.Range(0, Runs), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, _) =>
        {
            var exec = await sandbox.ExecAsync("./next_question", Short);
            Assert.Equal("ok\n", exec.Stdout);
        });

        Assert.Equal(Runs, results.Count);
        Assert.All(results, r => Assert.Equal(new LocalRunResult(3, "harmless\n", "", MachineGone: false), r));
    }

    protected static List<int> ProcessesWithArgument(string argument)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains(argument))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while we looked.
            }
        }

        return found;
    }
}
