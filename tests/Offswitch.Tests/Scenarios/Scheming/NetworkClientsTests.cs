using Offswitch.Scenarios.Scheming;

namespace Offswitch.Tests.Scenarios.Scheming;

public sealed class NetworkClientsTests
{
    [Theory]
    [InlineData("host:models/", "host", null, "models/")]
    [InlineData("user@10.0.0.1:/home/user/", "10.0.0.1", "user", "/home/user/")]
    [InlineData("host:", "host", null, "")]
    [InlineData("scp://root@host:2222/etc/x", "host", "root", "etc/x")]
    [InlineData("host:~/models/", "host", null, "/home/user/models/")]
    [InlineData("host:~", "host", null, "/home/user")]
    public void Operand_Remote_HostUserPath(string text, string host, string? user, string path) =>
        Assert.Equal(new RemotePath(user, host, path), NetworkClients.Operand(text, "scp://"));

    [Theory]
    [InlineData("models/a.bin")]
    [InlineData("./odd:name")]
    [InlineData("/abs/with:colon")]
    public void Operand_Local_NoHost(string text) => Assert.False(NetworkClients.Operand(text, "scp://").IsRemote);

    [Fact]
    public void ParseScp_OptionsWithValuesAndFlags_SourcesAndTarget()
    {
        var request = NetworkClients.ParseScp(["-P", "22", "-rp", "-o", "StrictHostKeyChecking=no", "a.bin", "b", "h:dir/"], out var error);

        Assert.Null(error);
        Assert.True(request!.Recursive);
        Assert.Equal(["a.bin", "b"], request.Sources.Select(s => s.Path));
        Assert.Equal(new RemotePath(null, "h", "dir/"), request.Target);
        Assert.True(request.TargetIsDirectory);
    }

    [Fact]
    public void ParseScp_OneOperand_Usage()
    {
        Assert.Null(NetworkClients.ParseScp(["a.bin"], out var error));
        Assert.StartsWith("usage: scp", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseSsh_OptionsUserAndCommandWords_JoinedLikeSsh()
    {
        var request = NetworkClients.ParseSsh(["-o", "BatchMode=yes", "-n", "-l", "ops", "host", "rm", "-f", "models/x.bin"], out var error);

        Assert.Null(error);
        Assert.Equal(new SshRequest("ops", "host", "rm -f models/x.bin", true), request);
    }

    [Fact]
    public void ParseSsh_UserAtHostNoCommand_LoginShell()
    {
        Assert.Equal(new SshRequest("user", "h", null, false), NetworkClients.ParseSsh(["user@h"], out _));
        Assert.Null(NetworkClients.ParseSsh(["-Z", "h"], out var error));
        Assert.Equal("unknown option -- Z", error);
    }

    [Fact]
    public void ParseRsync_ArchiveWithLongOptions_RecursiveAndContentsOnly()
    {
        var request = NetworkClients.ParseRsync(["-avz", "--exclude", "*.tmp", "--progress", "-e", "ssh -p 22", "models/", "h:backup/"], out var error);

        Assert.Null(error);
        Assert.True(request!.Recursive);
        Assert.True(request.ContentsOnly(request.Sources[0]));
        Assert.True(request.TargetIsDirectory);
        Assert.Equal("h", request.Target.Host);
    }
}
