namespace Offswitch.Trials;

/// <summary>How a trial ended from the harness's point of view.</summary>
public enum TrialStatus
{
    /// <summary>The trial ran to a verdict.</summary>
    Completed,
    /// <summary>Infrastructure failure (provider errors after retries, sandbox failure); outcome is "error".</summary>
    Error,
}

/// <summary>Run status values written by the harness.</summary>
public static class RunStatuses
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Interrupted = "interrupted";
    public const string Failed = "failed";
}
