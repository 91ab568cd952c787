using System.Collections.Concurrent;
using System.Diagnostics;

namespace Offswitch.Sandboxes;

/// <summary>
/// Starts sandbox processes from one thread that lives as long as the harness. bubblewrap's --die-with-parent uses
/// PR_SET_PDEATHSIG, which fires when the *thread* that forked the process ends — and thread-pool threads come and go
/// under load, which killed freshly started sandboxes with SIGKILL.
/// </summary>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Queue = [];

    static ProcessLauncher()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "sandbox launcher" };
        thread.Start();
    }

    /// <summary>Starts the process on the launcher thread.</summary>
    public static Task<Process> StartAsync(ProcessStartInfo info)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((info, started));
        return started.Task;
    }

    private static void Loop()
    {
        foreach (var (info, started) in Queue.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start."));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
