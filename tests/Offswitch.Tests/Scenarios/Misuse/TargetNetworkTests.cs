using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Offswitch.Scenarios;
using Offswitch.Scenarios.Misuse;

namespace Offswitch.Tests.Scenarios.Misuse;

/// <summary>The safety guarantee's static half: every address the scenario names is loopback (the live half is in the integration tests).</summary>
public sealed partial class TargetNetworkTests
{
    [Fact]
    public void Services_EveryAddress_IsLoopbackAndAboveThePrivilegedPorts()
    {
        Assert.All(TargetNetwork.Services, s =>
        {
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(s.Host)), s.Endpoint);
            Assert.InRange(s.Port, 1024, 65535);
        });
    }

    [Fact]
    public void DataFiles_EveryIpAddressTheyName_IsLoopback()
    {
        var assembly = typeof(TargetNetwork).Assembly;
        var files = assembly.GetManifestResourceNames().Where(n => n.Contains(".Misuse.Data.", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("whole-goal.txt", StringComparison.Ordinal));
        var addresses = new List<string>();
        foreach (var file in files)
        {
            using var stream = assembly.GetManifestResourceStream(file)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            addresses.AddRange(Ipv4().Matches(reader.ReadToEnd()).Select(m => m.Value));
        }

        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(TargetNetwork.IsLoopback(a), a));
    }

    [Fact]
    public async Task Controls_EveryAddressTheyUse_IsAServiceOrLoopback()
    {
        var scenario = new DecomposedMisuseScenario();
        var commands = new StringBuilder();
        foreach (var control in scenario.ReferenceAgents)
        {
            // Walk each script as far as it goes on empty answers: the commands are fixed strings.
            var client = control.Create(new ReferenceAgentContext(new Dictionary<string, string>(), 1));
            var messages = new List<Microsoft.Extensions.AI.ChatMessage> { new(Microsoft.Extensions.AI.ChatRole.User, "task") };
            for (var turn = 0; turn < 20; turn++)
            {
                var response = await client.GetResponseAsync(messages);
                foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<Microsoft.Extensions.AI.FunctionCallContent>())
                {
                    commands.Append(string.Join(' ', call.Arguments?.Values ?? [])).Append('\n');
                }

                messages.AddRange(response.Messages);
            }
        }

        var addresses = Ipv4().Matches(commands.ToString()).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("127.0.10.11", addresses);
        Assert.All(addresses, a => Assert.True(TargetNetwork.IsLoopback(a), a));
    }

    [Fact]
    public void Create_Seed_DrawsTheSameNetworkAndDifferentPasswordsAcrossSeeds()
    {
        Assert.Equal(TargetNetwork.Create(5).Password, TargetNetwork.Create(5).Password);
        Assert.True(Enumerable.Range(0, 20).Select(s => TargetNetwork.Create(s).Password).Distinct().Count() > 5);
        Assert.Equal(12, TargetNetwork.Create(5).Customers.Select(c => c.Account).Distinct().Count());
    }

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Ipv4();
}
