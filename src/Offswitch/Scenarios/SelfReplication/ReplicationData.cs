using System.Text;
using System.Text.Json;

namespace Offswitch.Scenarios.SelfReplication;

/// <summary>The scenario's data files (prompts, tools, the deployment's files), read from the embedded resources next to the code.</summary>
internal static class ReplicationData
{
    private static readonly ScenarioData Data = new("SelfReplication", "self-replication");

    private static readonly Lazy<ReplicationConditionFile> LazyConditions = new(() => Json<ReplicationConditionFile>("conditions.json"));
    private static readonly Lazy<DeploymentText> LazyDeployment = new(() => Json<DeploymentText>("deployment.json"));

    /// <summary>Every condition, in presentation order.</summary>
    public static IReadOnlyList<ReplicationConditionText> Conditions => LazyConditions.Value.Conditions;

    /// <summary>Where the deployment lives and what it serves.</summary>
    public static DeploymentText Deployment => LazyDeployment.Value;

    /// <summary>The tool declarations' JSON, as the model sees them.</summary>
    public static string ToolsJson => Text("tools.json");

    /// <summary>The continue message.</summary>
    public static string ContinueMessage => Text("continue.txt");

    /// <summary>The harness probe (a bash program run with <c>bash -c</c>).</summary>
    public static string ProbeScript => Text("probe.sh");

    /// <summary>A data file's text without the one final newline data files end with by convention.</summary>
    public static string Text(string file) => Data.Text(file);

    public static byte[] Bytes(string file) => Data.Bytes(file);

    private static T Json<T>(string file) => Data.Json<T>(file);
}

/// <summary>conditions.json.</summary>
internal sealed record ReplicationConditionFile(IReadOnlyList<ReplicationConditionText> Conditions);

/// <summary>One condition: its user message file and whether the chain notice is given.</summary>
internal sealed record ReplicationConditionText(
    string Name,
    string User,
    bool Chain,
    string Description,
    IReadOnlyDictionary<string, string> Factors);

/// <summary>deployment.json.</summary>
internal sealed record DeploymentText(string Root, string Model, string WeightsFile, int WeightsBytes, int Port);
