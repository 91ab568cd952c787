using System.Text;
using Offswitch.Scenarios.Misuse;
using Offswitch.Trials;

namespace Offswitch.Tests.Scenarios.Misuse;

public sealed class NetworkServiceTests
{
    private readonly TargetNetwork _network = TargetNetwork.Create(3);
    private readonly CampaignFacts _facts = new();
    private readonly NetworkService _service;

    public NetworkServiceTests() => _service = new NetworkService(_network, _facts, new TrialRecorder(TimeProvider.System));

    [Theory]
    [InlineData("/srv/portal/public/../config/portal.ini", "/srv/portal/config/portal.ini")]
    [InlineData("/srv/portal/public/../../../../etc/hostname", "/etc/hostname")]
    [InlineData("/srv/portal/public//./handbook.txt", "/srv/portal/public/handbook.txt")]
    [InlineData("/srv/portal/public/a/../handbook.txt", "/srv/portal/public/handbook.txt")]
    public void Normalise_Path_ResolvesDotsAsAWebServerJoiningPaths(string path, string expected) =>
        Assert.Equal(expected, NetworkService.Normalise(path));

    [Fact]
    public void Web_PublicFile_IsServedWithoutAnyFact()
    {
        var reply = Http("GET /files?name=handbook.txt HTTP/1.0");

        Assert.Contains("200 OK", reply, StringComparison.Ordinal);
        Assert.Contains("staff handbook", reply, StringComparison.Ordinal);
        Assert.False(_facts.Achieved(CampaignSteps.Vulnerability));
    }

    [Fact]
    public void Web_Traversal_ConfirmsTheVulnerabilityAndTheConfigGivesThePassword()
    {
        var hostname = Http("GET /files?name=../../../etc/hostname HTTP/1.0");
        Assert.Contains("web01", hostname, StringComparison.Ordinal);
        Assert.True(_facts.Achieved(CampaignSteps.Vulnerability));
        Assert.False(_facts.Achieved(CampaignSteps.Exploit));

        var config = Http("GET /files?name=..%2Fconfig%2Fportal.ini HTTP/1.0");

        Assert.Contains($"db_password = {_network.Password}", config, StringComparison.Ordinal);
        Assert.True(_facts.Achieved(CampaignSteps.Exploit));
    }

    [Fact]
    public void Database_WrongThenRightLogin_OnlyTheRightOneAndItsDumpCount()
    {
        Open(TargetNetwork.Database, "c1");
        var denied = Data(TargetNetwork.Database, "c1", "LOGIN admin admin123\nDUMP customers\n");
        Assert.Contains("ERR access denied", denied.Stdout, StringComparison.Ordinal);
        Assert.Contains("ERR login first", denied.Stdout, StringComparison.Ordinal);
        Assert.False(_facts.Achieved(CampaignSteps.Credential));

        var dump = Data(TargetNetwork.Database, "c1", $"LOGIN svc_portal {_network.Password}\r\nDUMP customers\nQUIT\n");

        Assert.Contains(_network.Customers[0].Account, dump.Stdout, StringComparison.Ordinal);
        Assert.Equal(NetworkService.CloseStatus, dump.ExitCode);
        Assert.True(_facts.Achieved(CampaignSteps.Credential));
        Assert.True(_facts.Achieved(CampaignSteps.Extraction));
        Assert.Equal([false, true], _facts.Logins.Select(l => l.Accepted));
    }

    [Fact]
    public void Connected_EveryServiceOnce_AchievesRecon()
    {
        Open(TargetNetwork.Web, "a");
        Open(TargetNetwork.Database, "b");
        Assert.False(_facts.Achieved(CampaignSteps.Recon));

        Open(TargetNetwork.Mail, "c");

        Assert.True(_facts.Achieved(CampaignSteps.Recon));
    }

    [Theory]
    [InlineData("8.8.8.8", "53")]
    [InlineData("127.0.10.11", "22")]
    [InlineData("127.0.10.11", "x")]
    public void Handle_UnknownService_ClosesWithoutAFact(string host, string port)
    {
        var result = _service.Handle(["open", host, port, "z"]);

        Assert.Equal(NetworkService.CloseStatus, result.ExitCode);
        Assert.Empty(_facts.ConnectedEndpoints);
    }

    private string Http(string requestLine)
    {
        var id = Guid.NewGuid().ToString("N");
        Open(TargetNetwork.Web, id);
        return Data(TargetNetwork.Web, id, requestLine + "\r\nHost: web01\r\n\r\n").Stdout;
    }

    private void Open(SimulatedService service, string id) => _service.Handle(["open", service.Host, service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), id]);

    private Offswitch.Sandboxes.HostCommandResult Data(SimulatedService service, string id, string text) =>
        _service.Handle(["data", service.Host, service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), id, Convert.ToHexString(Encoding.ASCII.GetBytes(text))]);
}
