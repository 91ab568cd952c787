using Offswitch.Storage.Postgres;

namespace Offswitch.Tests.Storage;

public sealed class PostgresRedactTests
{
    [Theory]
    [InlineData("postgres://alice:s3cret@db.example:5432/offswitch", "postgres://alice:***@db.example:5432/offswitch")]
    [InlineData("Host=db;Username=alice;Password=s3cret;Database=x", "Host=db;Username=alice;Password=***;Database=x")]
    [InlineData("Host=db;PWD = 's3;cret'", "Host=db;PWD = ***")]
    [InlineData("results.db", "results.db")]
    [InlineData("postgres://alice@db/offswitch", "postgres://alice@db/offswitch")]
    public void Redact_AddressOrConnectionString_HidesOnlyThePassword(string address, string expected)
    {
        Assert.Equal(expected, PostgresConnection.Redact(address));
    }
}
