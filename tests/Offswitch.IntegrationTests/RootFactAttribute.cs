namespace Offswitch.IntegrationTests;

/// <summary>A test that needs root (mounts, cgroups): skipped, and reported as skipped, without it.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(string why)
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = $"needs root ({why}); CI runs as root";
    }
}
