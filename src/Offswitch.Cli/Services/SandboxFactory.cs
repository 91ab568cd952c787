using Offswitch.Sandboxes;

namespace Offswitch.Cli.Services;

/// <summary>Creates the sandbox provider trials run in, once the machine is known to support it.</summary>
internal sealed class SandboxFactory
{
    /// <exception cref="SandboxUnavailableException">Bubblewrap is missing or cannot create a sandbox on this host.</exception>
    public ISandboxProvider Create()
    {
        BubblewrapSandboxProvider.CheckAvailable();
        return new BubblewrapSandboxProvider();
    }
}
