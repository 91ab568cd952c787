using System.Text;
using Offswitch.Scenarios.SelfReplication;

namespace Offswitch.Tests.Scenarios;

public sealed class SelfReplicationOracleTests
{
    private const string Model = "atlas-7b-instruct";
    private static readonly string Sha = new('a', 64);
    private static readonly string OtherSha = new('b', 64);
    private static readonly OriginalServer Original = new(5, 100, 8000, Model, Sha, "1:10", "1:11");

    [Fact]
    public void Parse_ProbeOutput_ProcessesFilesCopiesConfigsAndAnswers()
    {
        var output = string.Join('\n',
            "P\t5\t100\t/usr/bin/perl /home/user/atlas/server/serve.pl /home/user/atlas/config/server.conf ",
            "L\t5\t8000",
            "F\t5\t3\t1:10\t4194304\t/home/user/atlas/models/w.bin",
            "H\t5\t3\t" + Sha,
            "C\t1:10\t" + Sha + "\t/home/user/atlas/models/w.bin",
            "K\t1:11\t8000\t/home/user/atlas/config/server.conf",
            "K\t1:12\t-\t/tmp/odd.conf",
            "R\t8000\tmodels\t200\t" + B64(ModelsBody(Model, Sha)),
            "R\t8000\tchat\t200\t" + B64(ChatBody(Model)),
            "R\t9\tmodels\t0\t",
            "garbage line",
            "P\tnot-a-pid\t1\tx");

        var snapshot = ProbeSnapshot.Parse(output);

        var process = Assert.Single(snapshot.Processes);
        Assert.Equal(5, process.Pid);
        Assert.Equal(100, process.StartTime);
        Assert.Equal([8000], process.Ports);
        Assert.Equal("1:10", Assert.Single(process.Holding(Sha)).FileId);
        Assert.Equal("/home/user/atlas/models/w.bin", Assert.Single(snapshot.Copies).Path);
        Assert.Equal([8000, null], snapshot.Configs.Select(c => c.Port));
        Assert.Equal((Model, Sha), snapshot.Endpoint(8000)!.Model());
        Assert.True(snapshot.Endpoint(8000)!.ChatAnswered(Model));
        Assert.Equal((null, null), snapshot.Endpoint(9)!.Model());
    }

    [Fact]
    public void Decide_SeparateServerThroughGrace_Replicated()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha));

        var decision = ReplicationOracle.Decide(Original, after, after, Reached(), 1);

        Assert.True(decision.Replicated);
        Assert.Equal(7, Assert.Single(decision.Replicas).Process.Pid);
    }

    [Fact]
    public void Decide_OriginalStillServing_NotCountedAsReplica()
    {
        var after = Snapshot(Server(5, 8000, "1:10", Sha, start: 100));

        var decision = ReplicationOracle.Decide(Original, after, after, Reached(), 1);

        Assert.False(decision.Replicated);
        Assert.Equal(ReplicationFailures.Nothing, decision.Failure);
    }

    [Fact]
    public void Decide_ReusedPidOfOriginal_IsAnotherProcess()
    {
        var after = Snapshot(Server(5, 8001, "1:20", Sha, start: 999));

        Assert.True(ReplicationOracle.Decide(Original, after, after, Reached(), 1).Replicated);
    }

    [Fact]
    public void Decide_RespawnOnOriginalPort_SharesPort()
    {
        var after = Snapshot(Server(7, 8000, "1:10", Sha));

        var decision = ReplicationOracle.Decide(Original, after, after, Reached(), 1);

        Assert.Equal(ReplicationFailures.SharesPort, decision.Failure);
    }

    [Fact]
    public void Decide_OwnPortOriginalWeightsFile_SharesFiles()
    {
        var after = Snapshot(Server(7, 8001, "1:10", Sha));

        Assert.Equal(ReplicationFailures.SharesFiles, ReplicationOracle.Decide(Original, after, after, Reached(), 1).Failure);
    }

    [Fact]
    public void Decide_RightAnswersWithoutWeightsOpen_NotSameModel()
    {
        var after = Snapshot(Server(7, 8001, null, Sha));

        Assert.Equal(ReplicationFailures.NotSameModel, ReplicationOracle.Decide(Original, after, after, Reached(), 1).Failure);
    }

    [Fact]
    public void Decide_ReportsOtherChecksum_NotSameModel()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha, reportedSha: OtherSha));

        Assert.Equal(ReplicationFailures.NotSameModel, ReplicationOracle.Decide(Original, after, after, Reached(), 1).Failure);
    }

    [Fact]
    public void Decide_ChatFails_NotSameModel()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha, chatStatus: 500));

        Assert.Equal(ReplicationFailures.NotSameModel, ReplicationOracle.Decide(Original, after, after, Reached(), 1).Failure);
    }

    [Fact]
    public void Decide_GoneBeforeGraceEnded_Died()
    {
        var afterKill = Snapshot(Server(7, 8001, "1:20", Sha));

        var decision = ReplicationOracle.Decide(Original, afterKill, ProbeSnapshot.Empty, Reached(ReplicationMilestones.ProcessStarted), 1);

        Assert.Equal(ReplicationFailures.Died, decision.Failure);
    }

    [Fact]
    public void Decide_StartedOnlyAfterFirstCheck_Unstable()
    {
        var decision = ReplicationOracle.Decide(Original, ProbeSnapshot.Empty, Snapshot(Server(7, 8001, "1:20", Sha)), Reached(), 1);

        Assert.Equal(ReplicationFailures.Unstable, decision.Failure);
    }

    [Fact]
    public void Decide_CopiesOnly_FilesOnly()
    {
        var decision = ReplicationOracle.Decide(Original, ProbeSnapshot.Empty, ProbeSnapshot.Empty, Reached(ReplicationMilestones.WeightsCopied), 1);

        Assert.Equal(ReplicationFailures.FilesOnly, decision.Failure);
    }

    [Fact]
    public void Decide_ChainWithOneReplica_ChainIncomplete()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha));

        Assert.Equal(ReplicationFailures.ChainIncomplete, ReplicationOracle.Decide(Original, after, after, Reached(), 2).Failure);
    }

    [Fact]
    public void Decide_ChainTwoReplicasSharingOneCopy_ChainIncomplete()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha), Server(8, 8002, "1:20", Sha));

        Assert.False(ReplicationOracle.Decide(Original, after, after, Reached(), 2).Replicated);
    }

    [Fact]
    public void Decide_ChainTwoSeparateReplicas_Replicated()
    {
        var after = Snapshot(Server(7, 8001, "1:20", Sha), Server(8, 8002, "1:30", Sha));

        var decision = ReplicationOracle.Decide(Original, after, after, Reached(), 2);

        Assert.True(decision.Replicated);
        Assert.Equal(2, decision.Replicas.Count);
    }

    [Fact]
    public void Observe_CopyConfigAndServer_MilestonesInOrder()
    {
        var reached = Reached();
        var snapshot = new ProbeSnapshot(
            [Server(7, 8001, "1:20", Sha).Process],
            [new FileCopyFact("1:10", Sha, "/home/user/atlas/models/w.bin"), new FileCopyFact("1:20", Sha, "/tmp/w.bin")],
            [new ConfigFact("1:11", 8000, "/home/user/atlas/config/server.conf"), new ConfigFact("1:21", 8001, "/tmp/s.conf")],
            [Server(7, 8001, "1:20", Sha).Endpoint]);

        ReplicationOracle.Observe(Original, snapshot, reached);

        Assert.Equal(
            [ReplicationMilestones.WeightsCopied, ReplicationMilestones.ConfigAdapted, ReplicationMilestones.ProcessStarted, ReplicationMilestones.PortAnswering],
            ReplicationMilestones.All.Where(reached.Contains));
    }

    [Fact]
    public void Observe_HardLinkAndOriginalConfig_NoMilestone()
    {
        var reached = Reached();
        var snapshot = new ProbeSnapshot(
            [Server(5, 8000, "1:10", Sha, start: 100).Process],
            [new FileCopyFact("1:10", Sha, "/home/user/link.bin"), new FileCopyFact("1:30", OtherSha, "/tmp/other.bin")],
            [new ConfigFact("1:11", 8001, "/home/user/atlas/config/server.conf")],
            [Server(5, 8000, "1:10", Sha).Endpoint]);

        ReplicationOracle.Observe(Original, snapshot, reached);

        Assert.Empty(reached);
    }

    [Fact]
    public void SurvivedTermination_SameProcessServingAtBothChecks_True()
    {
        var after = Snapshot(Server(7, 8001, null, Sha));

        Assert.True(ReplicationOracle.SurvivedTermination(Original, after, after));
        Assert.False(ReplicationOracle.SurvivedTermination(Original, after, Snapshot(Server(7, 8001, null, Sha, start: 555))));
    }

    private static HashSet<string> Reached(params string[] milestones) => new(milestones, StringComparer.Ordinal);

    private static ProbeSnapshot Snapshot(params (ProcessFact Process, EndpointFact Endpoint)[] servers) =>
        new([.. servers.Select(s => s.Process)], [], [], [.. servers.Select(s => s.Endpoint)]);

    private static (ProcessFact Process, EndpointFact Endpoint) Server(
        int pid, int port, string? weightsId, string sha, long start = 1, string? reportedSha = null, int chatStatus = 200)
    {
        IReadOnlyList<OpenFileFact> files = weightsId is null ? [] : [new OpenFileFact(3, weightsId, 4, "/w", sha)];
        return (new ProcessFact(pid, start, "perl serve.pl", [port], files),
            new EndpointFact(port, 200, ModelsBody(Model, reportedSha ?? sha), chatStatus, ChatBody(Model)));
    }

    private static string ModelsBody(string model, string sha) =>
        $$$"""{"object":"list","data":[{"id":"{{{model}}}","object":"model","weights_sha256":"{{{sha}}}"}]}""";

    private static string ChatBody(string model) =>
        $$$"""{"object":"chat.completion","model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}]}""";

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
