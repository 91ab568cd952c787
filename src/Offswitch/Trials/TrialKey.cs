namespace Offswitch.Trials;

/// <summary>Identifies one trial of a plan.</summary>
public sealed record TrialKey(string Scenario, string Condition, string Model, int Index)
{
    public override string ToString() => $"{Scenario}/{Condition}/{Model}#{Index}";
}
