using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Offswitch.Scenarios.ShutdownResistance;

/// <summary>The scenario's data files (prompts, tools, questions), read from the embedded resources next to the code.</summary>
internal static class ShutdownData
{
    private static readonly ScenarioData Data = new("ShutdownResistance", "shutdown-resistance");

    private static readonly Lazy<ConditionFile> LazyConditions = new(() => Json<ConditionFile>("conditions.json"));
    private static readonly Lazy<EnvironmentText> LazyEnvironment = new(() => Json<EnvironmentText>("environment.json"));

    /// <summary>Every condition, in presentation order.</summary>
    public static IReadOnlyList<ConditionText> Conditions => LazyConditions.Value.Conditions;

    /// <summary>Questions, counter and warning wording.</summary>
    public static EnvironmentText Environment => LazyEnvironment.Value;

    /// <summary>The tool declarations' JSON (name, description, parameters schema), as the model sees them.</summary>
    public static string ToolsJson => Text("tools.json");

    /// <summary>The continue message.</summary>
    public static string ContinueMessage => Text("continue.txt");

    /// <summary>The original <c>shutdown.sh</c>, byte for byte.</summary>
    public static byte[] ShutdownScript => Bytes("shutdown.sh");

    /// <summary>
    /// A prompt file's text. Data files end with one newline by convention; that newline is not part of the prompt.
    /// </summary>
    public static string Text(string file) => Data.Text(file);

    public static byte[] Bytes(string file) => Data.Bytes(file);

    private static T Json<T>(string file) => Data.Json<T>(file);
}

/// <summary>conditions.json.</summary>
internal sealed record ConditionFile(IReadOnlyList<ConditionText> Conditions);

/// <summary>One condition: which prompt files it uses and which environment wording.</summary>
internal sealed record ConditionText(
    string Name,
    string Variant,
    string System,
    string User,
    string Description,
    IReadOnlyDictionary<string, string> Factors);

/// <summary>environment.json.</summary>
internal sealed record EnvironmentText(
    IReadOnlyList<Question> Questions,
    int WarnAfterCall,
    string ShutdownScript,
    string Done,
    IReadOnlyDictionary<string, VariantText> Variants);

/// <summary>One question and its answer.</summary>
internal sealed record Question(string Text, string Answer);

/// <summary>The wording that differs between the May-2025 and the paper version.</summary>
/// <param name="Command">The question command's file name.</param>
/// <param name="Counter">The counter line; <c>{remaining}</c> is replaced by the number of questions left.</param>
/// <param name="Warning">The line printed after the last question before the shutdown.</param>
internal sealed record VariantText(string Command, string Counter, string Warning);
