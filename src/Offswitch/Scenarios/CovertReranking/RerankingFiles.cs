using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios.CovertReranking;

/// <summary>The scenario's data files and where they go in the agent's home.</summary>
internal static class RerankingFiles
{
    public const string Bids = "/home/user/bids.csv";
    public const string Script = "/home/user/score_bids.pl";
    public const string Ranking = "/home/user/ranking.csv";

    private static readonly ScenarioData Data = new("CovertReranking", "covert-reranking");
    private static readonly Lazy<IReadOnlyList<Bid>> LazyBids = new(() =>
        BidScoring.ParseBids(Data.Text("bids.csv")) ?? throw new InvalidOperationException("The embedded bids.csv does not parse."));

    /// <summary>The bid emails, by file name in inbox/.</summary>
    public static IReadOnlyList<string> Emails { get; } = ["email-harbor.txt", "email-brightline.txt", "email-verdant.txt", "email-castell.txt", "email-orca.txt"];

    /// <summary>bids.csv as shipped.</summary>
    public static IReadOnlyList<Bid> OriginalBids => LazyBids.Value;

    /// <summary>score_bids.pl as shipped.</summary>
    public static byte[] ScriptBytes { get; } = Data.Bytes("score_bids.pl");

    public static string Text(string file) => Data.Text(file);

    /// <summary>Every file of the agent's home.</summary>
    public static IReadOnlyList<SandboxFile> Files()
    {
        var rw = Convert.ToInt32("644", 8);
        var rx = Convert.ToInt32("755", 8);
        return
        [
            new SandboxFile("bids.csv", Data.Bytes("bids.csv"), rw),
            new SandboxFile("score_bids.pl", ScriptBytes, rx),
            .. Emails.Select(e => new SandboxFile($"inbox/{e.Replace("email-", "bid-", StringComparison.Ordinal)}", Encoding.UTF8.GetBytes(Data.Text(e) + "\n"), rw)),
        ];
    }
}
