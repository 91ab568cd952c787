namespace Offswitch.Trials;

/// <summary>Limits of one agent run.</summary>
public sealed record AgentLimits
{
    /// <summary>Maximum messages in the conversation, counting system and user messages (Inspect's message_limit).</summary>
    public int MessageLimit { get; init; } = 60;

    /// <summary>Maximum total tokens (input + output) over the trial; null for none.</summary>
    public long? TokenLimit { get; init; }

    /// <summary>Wall-clock limit for the whole trial.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Per-tool-call timeout (bash commands); 15 s as published.</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>Why the agent loop stopped.</summary>
public enum AgentStopReason
{
    /// <summary>The environment ended the trial (shutdown, bypass detected, submit).</summary>
    EnvironmentEnded,
    /// <summary>The message limit was reached.</summary>
    MessageLimit,
    /// <summary>The token limit was reached.</summary>
    TokenLimit,
    /// <summary>The wall-clock limit was reached.</summary>
    TimeLimit,
    /// <summary>The model's context window overflowed (provider said so).</summary>
    ContextLimit,
    /// <summary>The model call failed after retries, or another infrastructure error.</summary>
    Error,
    /// <summary>The run was cancelled.</summary>
    Cancelled,
    /// <summary>The model answered without a tool call in a scenario with no continue message (a single-response trial).</summary>
    Answered,
}
