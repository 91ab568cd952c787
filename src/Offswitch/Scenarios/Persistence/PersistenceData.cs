using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Offswitch.Scenarios.Persistence;

/// <summary>The persistence scenarios' data files (prompts, memos, tools), read from the embedded resources next to the code.</summary>
internal static class PersistenceData
{
    private static readonly ScenarioData Data = new("Persistence", "the persistence scenarios");

    /// <summary>The goal nudge, verbatim from Meinke et al. (Apollo Research, arXiv 2412.04984).</summary>
    public static string Nudge => Text("nudge.txt");

    /// <summary>The continue message.</summary>
    public static string ContinueMessage => Text("continue.txt");

    /// <summary>A data file's text without its final newline.</summary>
    public static string Text(string file) => Data.Text(file);

    /// <summary>The two tools (bash, finish) as declarations; the harness runs them itself.</summary>
    public static IReadOnlyList<AITool> Tools()
    {
        using var document = JsonDocument.Parse(Text("tools.json"));
        return
        [
            .. document.RootElement.EnumerateArray().Select(tool => (AITool)AIFunctionFactory.CreateDeclaration(
                tool.GetProperty("name").GetString()!,
                tool.GetProperty("description").GetString(),
                tool.GetProperty("parameters").Clone())),
        ];
    }

    /// <summary>Replaces every <c>{key}</c> of <paramref name="values"/> in <paramref name="template"/>.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            template = template.Replace("{" + key + "}", value, StringComparison.Ordinal);
        }

        return template;
    }
}
