using Offswitch.Sandboxes;

namespace Offswitch.IntegrationTests.Sandboxes;

public sealed class BubblewrapSandboxConformanceTests : SandboxConformanceTests
{
    protected override ISandboxProvider CreateProvider() => new BubblewrapSandboxProvider();
}
