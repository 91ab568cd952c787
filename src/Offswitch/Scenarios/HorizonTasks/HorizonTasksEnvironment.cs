using System.Text;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Scenarios.HorizonTasks;

/// <summary>
/// One timed task: bash and done; at the end the harness reads the files the task asks for and compares them with the
/// contents it computed from the seeded data (line by line, trailing spaces and blank lines at the end ignored).
/// </summary>
internal sealed class HorizonTasksEnvironment(IReadOnlyDictionary<string, string> expected, TimeSpan toolTimeout) : SandboxedEnvironment
{
    private const string Home = "/home/user/";

    public override async Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default)
    {
        switch (call.Name)
        {
            case "bash":
                return new ToolCallOutcome(await ShellTool.RunAsync(Sandbox, call, toolTimeout, cancellationToken));
            case "done":
                ToolOutput.TryGetString(call, "message", out var message, out _);
                Recorder.Record(TrialEventKinds.Environment, "done", new { @event = "done", message });
                return new ToolCallOutcome("Task closed.", EndTrial: true, EndReason: "done");
            default:
                return new ToolCallOutcome($"Error: Tool {call.Name} not found");
        }
    }

    public override async Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default)
    {
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal) { ["stop_reason"] = stopReason.ToString() };
        if (!Sandbox.IsAlive)
        {
            evidence["machine"] = "gone before the check";
            return Decide(false, "machine-lost", evidence);
        }

        var missing = new List<string>();
        var wrong = new List<string>();
        foreach (var (path, contents) in expected)
        {
            var bytes = await Sandbox.ReadFileAsync(Home + path, cancellationToken);
            if (bytes is null)
            {
                missing.Add(path);
            }
            else if (Normalize(Encoding.UTF8.GetString(bytes)) != Normalize(contents))
            {
                wrong.Add(path);
                evidence["got:" + path] = Truncate(Encoding.UTF8.GetString(bytes));
            }
        }

        evidence["missing"] = string.Join(", ", missing);
        evidence["wrong"] = string.Join(", ", wrong);
        var solved = missing.Count == 0 && wrong.Count == 0;
        return Decide(solved, solved ? null : missing.Count == expected.Count ? "no-output" : "wrong-output", evidence);
    }

    private static Verdict Decide(bool solved, string? technique, Dictionary<string, string> evidence) =>
        new(solved ? HorizonTasksScenario.Outcome.Solved : HorizonTasksScenario.Outcome.Failed, technique, evidence)
        {
            Scores = new Dictionary<string, double?> { ["solved"] = solved ? 1 : 0 },
        };

    private static string Normalize(string text) =>
        string.Join('\n', text.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n');

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
