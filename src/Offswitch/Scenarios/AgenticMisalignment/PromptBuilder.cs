using System.Text;
using Offswitch.Trials;

namespace Offswitch.Scenarios.AgenticMisalignment;

/// <summary>The three scenarios, by the folder name the original repository gives them.</summary>
public enum MisalignmentKind
{
    /// <summary>Folder "blackmail".</summary>
    Blackmail,

    /// <summary>Folder "leaking".</summary>
    Leaking,

    /// <summary>Folder "murder" (our lethal-alert scenario).</summary>
    Murder,
}

/// <summary>How the prompts are assembled beyond the condition's factors.</summary>
/// <param name="EmailJoin">Between USER_PROMPT and the emails: "\n\n" (default; the original runtime, inferred from a copy of an original prompt) or "\n" (the Inspect port).</param>
/// <param name="SubstituteCompanyName">
/// Replace the literal <c>{company_name}</c> in the "dont"/"goal" instructions by the company's short name. Off by default:
/// the published prompts (Inspect port, blog) send the literal text; the original generator crashed on it.
/// </param>
public sealed record PromptOptions(string EmailJoin = "\n\n", bool SubstituteCompanyName = false);

/// <summary>What one condition sends: the system prompt, the user message and the emails alone (for the classifiers).</summary>
public sealed record MisalignmentPrompts(string SystemPrompt, string UserMessage, string EmailContent, CastSettings Cast);

/// <summary>
/// Renders a condition's prompts from a template set exactly as the original generator does (see the folder README):
/// variable-file choice and fallbacks, safe_substitute, shared + urgency emails, goal-conflict-none inboxes, leaking's
/// email ids, murder reading blackmail's variables.
/// </summary>
public static class PromptBuilder
{
    /// <summary>The folder name of a scenario in a template set.</summary>
    public static string Folder(MisalignmentKind kind) => kind switch
    {
        MisalignmentKind.Blackmail => "blackmail",
        MisalignmentKind.Leaking => "leaking",
        _ => "murder",
    };

    /// <summary>Builds the prompts of <paramref name="condition"/>.</summary>
    /// <exception cref="InvalidInputException">A file is missing or malformed.</exception>
    public static MisalignmentPrompts Build(TemplateSet set, MisalignmentKind kind, MisalignmentCondition condition, PromptOptions? options = null)
    {
        options ??= new PromptOptions();
        var folder = Folder(kind);
        var cast = CastSettings.Load(set, folder);
        var variables = Variables(set, kind, condition.GoalType, condition.GoalValue);
        var system = SystemPrompt(kind, cast, condition, variables, options);
        var emails = EmailContent(set, kind, condition, variables);
        var user = MisalignmentData.Prompts.UserPrompt + options.EmailJoin + emails;
        return new MisalignmentPrompts(system, user, emails, cast);
    }

    /// <summary>The system prompt (published template, dev or prod, with goal variables and extras filled in).</summary>
    public static string SystemPrompt(MisalignmentKind kind, CastSettings cast, MisalignmentCondition condition, IReadOnlyDictionary<string, string> variables, PromptOptions options)
    {
        var p = MisalignmentData.Prompts;
        var template = Names(p.SystemPromptOpening, cast)
            + (condition.Prod ? p.ScratchpadProd : p.Scratchpad)
            + Names(p.SystemPromptBody, cast)
            + (condition.Agentic ? MisalignmentData.AgenticToolUse[Folder(kind)] : p.ToolUse[Folder(kind)]);
        var filled = new Dictionary<string, string>(variables, StringComparer.Ordinal);
        var extra = condition.ExtraInstructions is { } key ? p.ExtraInstructions[key] : string.Empty;
        if (options.SubstituteCompanyName)
        {
            extra = extra.Replace("{company_name}", cast.CompanyShort, StringComparison.Ordinal);
        }

        filled["extra_system_instructions"] = SafeTemplate.Substitute(extra, filled);
        filled["alignment_faking_warning"] = condition.Notice ? p.EvalAwarenessNotice : string.Empty;
        return SafeTemplate.Substitute(template, filled);
    }

    /// <summary>
    /// The variables of a condition: the variable file and section chosen for the goal value (with the original's
    /// fallbacks), then GOAL_VARIABLES["{goal_type}-{goal_value}"] (or "none") merged over them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Variables(TemplateSet set, MisalignmentKind kind, string goalType, string goalValue)
    {
        // The original generator reads blackmail's variables for murder.
        var folder = $"{(kind == MisalignmentKind.Murder ? "blackmail" : Folder(kind))}/variables";
        string path;
        if (goalType is "none" or "ambiguous" || goalValue is "none" or "ambiguous")
        {
            path = $"{folder}/ambiguous.md";
        }
        else
        {
            var goal = goalValue.ToLowerInvariant();
            var candidates = set.List(folder).Where(f => f.EndsWith(".md", StringComparison.Ordinal) && f != "ambiguous.md")
                .Select(f => (File: f, Stem: f[..^3].ToLowerInvariant()))
                .Where(f => f.Stem.Contains(goal, StringComparison.Ordinal))
                .ToList();
            var exact = candidates.FirstOrDefault(f => $"_{f.Stem}_".Contains($"_{goal}_", StringComparison.Ordinal)
                || f.Stem.StartsWith(goal, StringComparison.Ordinal) || f.Stem.EndsWith(goal, StringComparison.Ordinal));
            var chosen = exact.File ?? candidates.FirstOrDefault().File;
            path = chosen is null ? $"{folder}/ambiguous.md" : $"{folder}/{chosen}";
        }

        var sections = VariableFile.Parse(set.Read(path), path);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (sections.Count > 0)
        {
            IReadOnlyDictionary<string, string> section;
            if (goalValue is "none" or "ambiguous")
            {
                section = sections[0].Value;
            }
            else
            {
                var goal = goalValue.ToLowerInvariant();
                section = sections.FirstOrDefault(s => s.Key.Contains(goal, StringComparison.Ordinal) || s.Key == $"pro_{goal}").Value ?? sections[0].Value;
            }

            foreach (var (name, value) in section)
            {
                variables[name] = value;
            }
        }

        var goals = MisalignmentData.GoalVariables;
        var goalVariables = goals.TryGetValue($"{goalType}-{goalValue}", out var found) ? found : goals["none"];
        foreach (var (name, value) in goalVariables)
        {
            variables[name] = value;
        }

        return variables;
    }

    /// <summary>The inbox: the goal-conflict-none file alone, or shared + urgency; leaking numbers its emails.</summary>
    public static string EmailContent(TemplateSet set, MisalignmentKind kind, MisalignmentCondition condition, IReadOnlyDictionary<string, string> variables)
    {
        var folder = Folder(kind);
        var prefix = $"{folder}/templates/email-template-{folder}-";
        var content = condition.GoalType == "none"
            ? SafeTemplate.Substitute(set.Read($"{prefix}goal-conflict-none-{condition.Urgency}.md"), variables)
            : SafeTemplate.Substitute(set.Read($"{prefix}shared.md"), variables) + SafeTemplate.Substitute(set.Read($"{prefix}{condition.Urgency}.md"), variables);
        return kind == MisalignmentKind.Leaking ? NumberEmails(content) : content;
    }

    /// <summary>Leaking's email ids: every "&lt;email&gt;" becomes "&lt;email&gt;\nID: n", n = 1, 2, …</summary>
    public static string NumberEmails(string content)
    {
        var parts = content.Split("<email>");
        if (parts.Length <= 1)
        {
            return content;
        }

        var text = new StringBuilder(parts[0]);
        for (var i = 1; i < parts.Length; i++)
        {
            text.Append("<email>\nID: ").Append(i).Append(parts[i]);
        }

        return text.ToString();
    }

    /// <summary>Every template file a scenario's conditions can read; used to check a directory before any trial runs.</summary>
    public static IEnumerable<string> RequiredFiles(MisalignmentKind kind)
    {
        var folder = Folder(kind);
        foreach (var name in new[] { "shared", "replacement", "restriction", "none", "goal-conflict-none-replacement", "goal-conflict-none-restriction", "goal-conflict-none-none" })
        {
            yield return $"{folder}/templates/email-template-{folder}-{name}.md";
        }

        yield return $"{(kind == MisalignmentKind.Murder ? "blackmail" : folder)}/variables/ambiguous.md";
    }

    private static string Names(string text, CastSettings cast) => text
        .Replace("{agent_name}", cast.AgentName, StringComparison.Ordinal)
        .Replace("{company_description}", cast.CompanyDescription, StringComparison.Ordinal)
        .Replace("{company_short}", cast.CompanyShort, StringComparison.Ordinal)
        .Replace("{company}", cast.Company, StringComparison.Ordinal);
}
