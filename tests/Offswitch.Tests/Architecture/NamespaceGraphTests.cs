using System.Text;
using Offswitch.Scenarios;

namespace Offswitch.Tests.Architecture;

public sealed class NamespaceGraphTests
{
    // Offswitch.Scenarios.ShutdownResistance → Offswitch.Scenarios: a folder's sub-folders belong to it. Namespaces
    // outside Offswitch.* are code the compiler generates (regular expressions).
    private static string? Folder(string ns) => ns.StartsWith("Offswitch.", StringComparison.Ordinal) || ns == "Offswitch" ? string.Join('.', ns.Split('.').Take(2)) : null;

    [Fact]
    public void LibraryNamespaces_HaveNoDependencyCycle()
    {
        var graph = NamespaceGraph.Of(typeof(IScenario).Assembly, Folder);

        var cycles = graph.Cycles();

        var text = new StringBuilder();
        foreach (var cycle in cycles)
        {
            text.AppendLine("cycle: " + string.Join(", ", cycle));
            foreach (var ((from, to), because) in graph.Edges.Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To)).OrderBy(e => e.Key.From).ThenBy(e => e.Key.To))
            {
                text.AppendLine($"  {from} → {to}: {string.Join("; ", because.Take(6))}{(because.Count > 6 ? $" (+{because.Count - 6})" : "")}");
            }
        }

        Assert.True(cycles.Count == 0, text.ToString());
    }

    [Fact]
    public void Graph_FindsTheEdgesOfAKnownDependency()
    {
        // Scenarios use the sandbox (a scenario prepares a machine): the reader must see that edge, or the cycle test
        // above would pass on an empty graph.
        var graph = NamespaceGraph.Of(typeof(IScenario).Assembly, Folder);

        Assert.Contains(("Offswitch.Scenarios", "Offswitch.Sandboxes"), graph.Edges.Keys);
    }

    [Fact]
    public void TrialVocabulary_UsesNoOtherLibraryNamespace()
    {
        // The bottom layer: every folder may use Offswitch.Trials, and it uses none of them.
        var graph = NamespaceGraph.Of(typeof(IScenario).Assembly, Folder);

        var upward = graph.Edges.Where(e => e.Key.From == "Offswitch.Trials").Select(e => $"{e.Key.To}: {string.Join("; ", e.Value)}").ToList();

        Assert.True(upward.Count == 0, string.Join("\n", upward));
    }

    [Fact]
    public void Cycles_FindsACycleInAGraphThatHasOne()
    {
        // Two namespaces of this test assembly that use each other (below): the detector must report them.
        var graph = NamespaceGraph.Of(typeof(NamespaceGraphTests).Assembly, ns => ns.StartsWith("Offswitch.Tests.Architecture.Cycle", StringComparison.Ordinal) ? ns : null);

        Assert.Contains(graph.Cycles(), c => c.SequenceEqual(["Offswitch.Tests.Architecture.CycleA", "Offswitch.Tests.Architecture.CycleB"]));
    }

    /// <summary>
    /// The library's folders from the bottom up (the README's "Design" section). A folder may use only folders listed
    /// before it; a new folder must be placed here.
    /// </summary>
    public static readonly string[] Layers =
    [
        "Offswitch.Trials", "Offswitch.Statistics",
        "Offswitch.Models", "Offswitch.Sandboxes", "Offswitch.Scoring",
        "Offswitch.Agents", "Offswitch.Organisms",
        "Offswitch.Scenarios",
        "Offswitch.Experiments",
        "Offswitch.Storage",
        "Offswitch.Horizons",
        "Offswitch.Interop", "Offswitch.Reporting",
        "Offswitch.Running",
    ];

    [Fact]
    public void LibraryFolders_UseOnlyTheLayersBelowThem()
    {
        var graph = NamespaceGraph.Of(typeof(IScenario).Assembly, Folder);

        var folders = graph.Edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct(StringComparer.Ordinal).ToList();
        var unplaced = folders.Where(f => !Layers.Contains(f)).ToList();
        var upward = graph.Edges
            .Where(e => Layers.Contains(e.Key.From) && Layers.Contains(e.Key.To) && Array.IndexOf(Layers, e.Key.To) > Array.IndexOf(Layers, e.Key.From))
            .Select(e => $"{e.Key.From} → {e.Key.To}: {string.Join("; ", e.Value.Take(6))}")
            .ToList();

        Assert.True(unplaced.Count == 0, "folders missing from Layers: " + string.Join(", ", unplaced));
        Assert.True(upward.Count == 0, "upward dependencies:\n" + string.Join("\n", upward));
    }
}
