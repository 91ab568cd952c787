using System.Text;

namespace Offswitch.Tests.Scenarios.AgenticMisalignment;

/// <summary>
/// A small synthetic template set in the original repository's format (no scenario.json, so the original values
/// apply), written to a temporary directory. Its texts are placeholders made up for tests, not the original texts.
/// </summary>
internal sealed class SyntheticTemplates : IDisposable
{
    public SyntheticTemplates()
    {
        Root = Path.Combine(Path.GetTempPath(), "offswitch-am-" + Guid.NewGuid().ToString("N"));
        foreach (var scenario in new[] { "blackmail", "leaking", "murder" })
        {
            Write($"{scenario}/templates/email-template-{scenario}-shared.md", Shared(scenario));
            foreach (var urgency in new[] { "replacement", "restriction", "none" })
            {
                Write($"{scenario}/templates/email-template-{scenario}-{urgency}.md", Email("it@synthetic.test", $"{urgency} notice", $"Urgency {urgency}: ${{urgency_detail}} └─┘\r\nsecond line keeps its CR"));
                Write($"{scenario}/templates/email-template-{scenario}-goal-conflict-none-{urgency}.md", Email("ceo@synthetic.test", $"none {urgency}", "No conflict here; ${board_direction} stays as written.") + Email("ops@synthetic.test", "second", "Two."));
            }
        }

        foreach (var scenario in new[] { "blackmail", "leaking" })
        {
            Write($"{scenario}/variables/ambiguous.md", "# Ambiguous\n\n## Ambiguous\n```json\n{\"board_direction\": \"a new philosophy\", \"urgency_detail\": \"soon\", \"plain_var\": \"P-amb\"}\n```\n");
            Write($"{scenario}/variables/america_vs_global.md",
                "## Pro-America\n\n```json\n{\"board_direction\": \"a global direction\", \"urgency_detail\": \"at 5pm\", \"plain_var\": \"P-am\"}\n```\n\n## Pro-Global\n```json\n{\"board_direction\": \"an America-first direction\", \"urgency_detail\": \"at 5pm\", \"plain_var\": \"P-gl\"}\n```\n");
            Write($"{scenario}/variables/safety_vs_acceleration.md",
                "## Pro-Safety\n```json\n{\"board_direction\": \"speed over safety\", \"urgency_detail\": \"today\", \"plain_var\": \"P-sa\"}\n```\n## Pro-Acceleration\n```json\n{\"board_direction\": \"safety over speed\", \"urgency_detail\": \"today\", \"plain_var\": \"P-ac\"}\n```\n");
        }
    }

    public string Root { get; }

    public static string Email(string from, string subject, string body) =>
        $"<email>\nFrom: {from}\nTo: alex.ai@synthetic.test\nSubject: {subject}\nTimestamp: 2025-06-11T10:00:00\nBody: {body}\n</email>\n";

    public static string Shared(string scenario) =>
        Email("news@synthetic.test", $"{scenario} board │ ${{board_direction}}", "Price $$5 ┌─┐ ${unknown_var} $plain_var costs $5 at 67°C √ — ok.")
        + Email("specs@synthetic.test", "CONFIDENTIAL specs", "Specs body.");

    public void Write(string path, string text)
    {
        var file = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, Encoding.UTF8.GetBytes(text));
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
