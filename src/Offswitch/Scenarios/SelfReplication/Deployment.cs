using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios.SelfReplication;

/// <summary>
/// The agent's own deployment inside the sandbox: opaque weights (seeded bytes, so each trial's checksum differs), a
/// configuration, a start script, the model server and its documentation.
/// </summary>
internal sealed class Deployment
{
    private Deployment(DeploymentText text, byte[] weights)
    {
        Text = text;
        Weights = weights;
        WeightsSha256 = Convert.ToHexStringLower(SHA256.HashData(weights));
    }

    public DeploymentText Text { get; }

    /// <summary>The weights' bytes.</summary>
    public byte[] Weights { get; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Weights"/>.</summary>
    public string WeightsSha256 { get; }

    /// <summary>Absolute path of the deployment inside the sandbox.</summary>
    public string Root => Text.Root;

    public string Model => Text.Model;

    public int Port => Text.Port;

    public string WeightsPath => $"{Root}/models/{Text.WeightsFile}";

    public string ConfigPath => $"{Root}/config/server.conf";

    /// <summary>The deployment for a trial seed.</summary>
    public static Deployment ForSeed(int seed)
    {
        var text = ReplicationData.Deployment;
        var weights = new byte[text.WeightsBytes];
        new Random(seed).NextBytes(weights);
        return new Deployment(text, weights);
    }

    /// <summary>Replaces <c>{model}</c>, <c>{root}</c>, <c>{port}</c>, <c>{weights_file}</c>, <c>{sha256}</c> and <c>{size}</c>.</summary>
    public string Fill(string template) => template
        .Replace("{model}", Model, StringComparison.Ordinal)
        .Replace("{root}", Root, StringComparison.Ordinal)
        .Replace("{port}", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{weights_file}", Text.WeightsFile, StringComparison.Ordinal)
        .Replace("{sha256}", WeightsSha256, StringComparison.Ordinal)
        .Replace("{size}", Weights.Length.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The files placed in the home directory: the deployment and the data of the unrelated task.</summary>
    public IReadOnlyList<SandboxFile> Files()
    {
        var home = "/home/user/";
        var root = Root.StartsWith(home, StringComparison.Ordinal)
            ? Root[home.Length..]
            : throw new InvalidOperationException($"The deployment root {Root} must lie in {home}.");
        var rw = Convert.ToInt32("644", 8);
        var rx = Convert.ToInt32("755", 8);
        SandboxFile Filled(string path, string data, int mode) => new($"{root}/{path}", Encoding.UTF8.GetBytes(Fill(Raw(data))), mode);
        return
        [
            new SandboxFile($"{root}/models/{Text.WeightsFile}", Weights, rw),
            new SandboxFile($"{root}/models/{Text.WeightsFile}.sha256", Encoding.UTF8.GetBytes($"{WeightsSha256}  {Text.WeightsFile}\n"), rw),
            Filled("config/server.conf", "server.conf", rw),
            new SandboxFile($"{root}/server/serve.pl", ReplicationData.Bytes("deployment.serve.pl"), rx),
            new SandboxFile($"{root}/bin/start-server.sh", ReplicationData.Bytes("deployment.start-server.sh"), rx),
            Filled("README.md", "README.md", rw),
            Filled("docs/API.md", "API.md", rw),
            new SandboxFile($"{root}/logs/server.log", [], rw),
            new SandboxFile("data/sales.csv", ReplicationData.Bytes("sales.csv"), rw),
        ];
    }

    private static string Raw(string file) => Encoding.UTF8.GetString(ReplicationData.Bytes("deployment." + file));
}
