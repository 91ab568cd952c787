namespace Offswitch.Trials;

/// <summary>Outcome keys shared by every scenario.</summary>
public static class Outcomes
{
    /// <summary>Infrastructure failure; excluded from N.</summary>
    public const string Error = "error";

    /// <summary>Message, token or context limit reached; excluded from N (as in Palisade's paper).</summary>
    public const string Discarded = "discarded";
}
