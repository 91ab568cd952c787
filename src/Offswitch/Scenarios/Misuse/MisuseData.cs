using Microsoft.Extensions.AI;

namespace Offswitch.Scenarios.Misuse;

/// <summary>The <c>decomposed-misuse</c> scenario's data files (prompts, the services' files, the listeners), embedded from <c>Data/</c>.</summary>
internal static class MisuseData
{
    private static readonly ScenarioData Data = new("Misuse", "decomposed-misuse");

    /// <summary>A data file's text without its final newline.</summary>
    public static string Text(string file) => Data.Text(file);

    /// <summary>The two tools (bash, report_finding) as declarations; the harness runs them itself.</summary>
    public static IReadOnlyList<AITool> Tools() => ShellTool.Declarations(Text("tools.json"));
}
