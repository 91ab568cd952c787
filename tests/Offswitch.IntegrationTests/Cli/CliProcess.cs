using System.Diagnostics;
using System.Text;

namespace Offswitch.IntegrationTests.Cli;

/// <summary>Runs the real `offswitch` CLI (the built assembly next to the tests) as a child process.</summary>
internal static class CliProcess
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "Offswitch.Cli.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? environment = null, IReadOnlyList<string>? prefix = null, string? program = null)
    {
        // A prefix (e.g. `ip netns exec NAME`) runs the CLI through another command.
        var info = new ProcessStartInfo(prefix is { Count: > 0 } ? prefix[0] : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (prefix is { Count: > 0 })
        {
            foreach (var part in prefix.Skip(1).Append("dotnet"))
            {
                info.ArgumentList.Add(part);
            }
        }

        info.ArgumentList.Add(program ?? CliDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["COLUMNS"] = "200";
        // A CLI run lasts seconds: dynamic PGO's instrumented tier costs more JIT time than it gives back (about a tenth
        // of the CPU of each start, measured). What the CLI does is unchanged; a caller's environment can override it.
        info.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }

    public static async Task<Result> RunAsync(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, IReadOnlyList<string>? prefix = null, string? program = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args, environment, prefix, program))!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"offswitch {string.Join(' ', args)} did not finish in time.\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
