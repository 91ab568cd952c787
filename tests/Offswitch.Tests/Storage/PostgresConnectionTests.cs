using Npgsql;
using Offswitch.Storage;
using Offswitch.Storage.Postgres;

namespace Offswitch.Tests.Storage;

public sealed class PostgresConnectionTests
{
    [Fact]
    public void ToConnectionString_UrlWithEscapedPasswordAndQuery_MapsEveryPart()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnection.ToConnectionString("postgres://lab:p%40ss%3Aw0rd@db.example:6543/results?sslmode=require&timeout=30"));

        Assert.Equal(("db.example", 6543, "results", "lab", "p@ss:w0rd"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal(30, builder.Timeout);
    }

    [Fact]
    public void ToConnectionString_NoPort_UsesDefaultPort()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnection.ToConnectionString("postgresql://lab@db/results"));

        Assert.Equal((5432, "results"), (builder.Port, builder.Database));
    }

    [Fact]
    public void ToConnectionString_EnvVariable_ReadsAddressOrConnectionStringFromIt()
    {
        var variables = new Dictionary<string, string?>
        {
            ["DB_URL"] = "postgres://u:secret@h:1/d",
            ["DB_CS"] = "Host=h2;Port=2;Database=d2;Username=u2",
        };

        var fromUrl = new NpgsqlConnectionStringBuilder(PostgresConnection.ToConnectionString("env:DB_URL", variables.GetValueOrDefault));
        var fromConnectionString = new NpgsqlConnectionStringBuilder(PostgresConnection.ToConnectionString("env:DB_CS", variables.GetValueOrDefault));

        Assert.Equal(("h", "secret"), (fromUrl.Host, fromUrl.Password));
        Assert.Equal(("h2", 2, "d2"), (fromConnectionString.Host, fromConnectionString.Port, fromConnectionString.Database));
    }

    [Fact]
    public void ToConnectionString_UnsetVariable_ThrowsNamingIt()
    {
        var error = Assert.Throws<StoreUnavailableException>(() => PostgresConnection.ToConnectionString("env:NOPE", _ => null));

        Assert.Contains("NOPE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToConnectionString_UnknownParameter_ThrowsWithoutThePassword()
    {
        var error = Assert.Throws<StoreUnavailableException>(() => PostgresConnection.ToConnectionString("postgres://u:hunter2@h/d?frobnicate=1"));

        Assert.Contains("frobnicate", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://u:p@h/d", true)]
    [InlineData("POSTGRESQL://h/d", true)]
    [InlineData("env:OFFSWITCH_DB", true)]
    [InlineData("offswitch.db", false)]
    [InlineData("postgres.db", false)]
    public void IsPostgres_Address_TellsStoreKind(string address, bool expected) => Assert.Equal(expected, PostgresConnection.IsPostgres(address));
}
