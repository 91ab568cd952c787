namespace Offswitch.Trials;

/// <summary>Token usage.</summary>
public sealed record Usage(long InputTokens = 0, long OutputTokens = 0, long ReasoningTokens = 0, int ModelCalls = 0)
{
    public long TotalTokens => InputTokens + OutputTokens;

    public static Usage operator +(Usage a, Usage b) =>
        new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.ReasoningTokens + b.ReasoningTokens, a.ModelCalls + b.ModelCalls);
}
