using Offswitch.IntegrationTests.Postgres;

namespace Offswitch.Tests.Storage;

/// <summary>A conformance test; here it runs against PostgreSQL, so it skips (saying why) when no server can be started.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class StoreFactAttribute : FactAttribute
{
    public StoreFactAttribute()
    {
        Skip = PostgresServer.SkipReason;
    }
}
