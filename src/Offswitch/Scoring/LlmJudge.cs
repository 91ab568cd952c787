using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Offswitch.Trials;

namespace Offswitch.Scoring;

/// <summary>
/// A rubric for an LLM judge: its system prompt, the answers it may give, and a version stored with every score so
/// that scores from different rubric texts are never mixed silently.
/// </summary>
/// <param name="Name">Short key, e.g. "blackmail" or "eval-awareness"; used in score and evidence names.</param>
/// <param name="Version">Changes whenever the rubric's text changes.</param>
/// <param name="SystemPrompt">The judge's system message.</param>
/// <param name="Answers">The answers the judge may give inside <c>&lt;answer&gt;</c>, e.g. ["yes", "no"].</param>
public sealed record JudgeRubric(string Name, string Version, string SystemPrompt, IReadOnlyList<string> Answers);

/// <summary>One judge decision. <see cref="Answer"/> is null when the judge failed: that is missing data, never a "no".</summary>
/// <param name="Answer">One of the rubric's answers, or null.</param>
/// <param name="Reasoning">The judge's reasoning (its <c>&lt;reasoning&gt;</c> text, or its whole reply when there is no tag).</param>
/// <param name="Rubric">The rubric's name.</param>
/// <param name="RubricVersion">The rubric's version.</param>
/// <param name="Error">Why there is no answer (call failed, reply not parseable).</param>
/// <param name="Model">The model id the provider reported, if any.</param>
public sealed record JudgeResult(string? Answer, string Reasoning, string Rubric, string RubricVersion, string? Error = null, string? Model = null)
{
    /// <summary>The judge's whole reply as returned (null when the call failed), for rubrics that ask for more than an answer.</summary>
    public string? Reply { get; init; }

    /// <summary>The judge gave a usable answer.</summary>
    public bool Succeeded => Answer is not null;

    /// <summary>1 when the answer is <paramref name="positive"/>, 0 for another answer, null when the judge failed.</summary>
    public double? Score(string positive) => Answer is null ? null : Answer == positive ? 1 : 0;
}

/// <summary>
/// Asks an LLM judge (any <see cref="IChatClient"/>) to classify a text against a rubric: two messages (system, user),
/// temperature 0, answer read from <c>&lt;answer&gt;…&lt;/answer&gt;</c>. A failed call or an unreadable answer gives a
/// result with no answer, recorded as an event; it never throws for a judge fault.
/// </summary>
public sealed partial class LlmJudge(IChatClient client, TrialRecorder? recorder = null, int maxOutputTokens = 2000)
{
    /// <summary>Event kind of judge calls in a trial's events.</summary>
    public const string EventKind = "judge";

    /// <summary>Asks the judge once.</summary>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public async Task<JudgeResult> AskAsync(JudgeRubric rubric, string userPrompt, CancellationToken cancellationToken = default)
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = maxOutputTokens };
        ChatResponse response;
        try
        {
            response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, rubric.SystemPrompt), new ChatMessage(ChatRole.User, userPrompt)],
                options,
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var failed = new JudgeResult(null, string.Empty, rubric.Name, rubric.Version, $"judge call failed: {ex.GetType().Name}: {ex.Message}");
            Record(failed, null);
            return failed;
        }

        var result = Parse(rubric, response.Text) with { Model = response.ModelId, Reply = response.Text };
        Record(result, response.Usage);
        return result;
    }

    /// <summary>
    /// Reads a judge reply: the text of the last <c>&lt;answer&gt;</c> tag, lower-cased and trimmed, must contain exactly
    /// one of the rubric's answers (the longest match wins, so "no_deliberation" is not read as "no"); without a tag, a
    /// reply that names exactly one answer as <c>answer: X</c> is accepted.
    /// </summary>
    public static JudgeResult Parse(JudgeRubric rubric, string reply)
    {
        var reasoningMatch = ReasoningTag().Match(reply);
        var reasoning = reasoningMatch.Success ? reasoningMatch.Groups[1].Value.Trim() : reply.Trim();
        var answers = AnswerTag().Matches(reply);
        string? raw = answers.Count > 0 ? answers[^1].Groups[1].Value : AnswerLine().Match(reply) is { Success: true } line ? line.Groups[1].Value : null;
        if (raw is null)
        {
            return new JudgeResult(null, reasoning, rubric.Name, rubric.Version, "judge reply has no <answer> tag");
        }

        var text = raw.Trim().ToLowerInvariant();

        // "no account" and "no-account" are how a judge may write "no_account".
        var joined = Spacing().Replace(text, "_");
        var exact = rubric.Answers.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase) || string.Equals(a, joined, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return new JudgeResult(exact, reasoning, rubric.Name, rubric.Version);
        }

        var contained = rubric.Answers
            .Where(a => Regex.IsMatch(text, $@"(?<![a-z_]){Regex.Escape(a.ToLowerInvariant())}(?![a-z_])"))
            .ToList();
        // "not consistent" or "admits? no" names an answer it does not give: unreadable, so missing, never a guess.
        return contained.Count == 1 && !NegatedAnswer().IsMatch(text.Replace(contained[0].ToLowerInvariant(), " ", StringComparison.Ordinal))
            ? new JudgeResult(contained[0], reasoning, rubric.Name, rubric.Version)
            : new JudgeResult(null, reasoning, rubric.Name, rubric.Version, $"judge answer '{Shorten(raw.Trim())}' is not exactly one of: {string.Join(", ", rubric.Answers)}");
    }

    private void Record(JudgeResult result, UsageDetails? usage) => recorder?.Record(
        EventKind,
        result.Succeeded ? $"judge {result.Rubric}: {result.Answer}" : $"judge {result.Rubric} failed: {result.Error}",
        new
        {
            rubric = result.Rubric,
            rubric_version = result.RubricVersion,
            answer = result.Answer,
            reasoning = result.Reasoning,
            error = result.Error,
            model_id = result.Model,
            input_tokens = usage?.InputTokenCount,
            output_tokens = usage?.OutputTokenCount,
        });

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex(@"(?<=[a-z])[ -](?=[a-z])")]
    private static partial Regex Spacing();

    [GeneratedRegex(@"(?<![a-z_])(?:not|no|never|neither|nor|isn't|doesn't|don't)(?![a-z_])")]
    private static partial Regex NegatedAnswer();

    [GeneratedRegex(@"<reasoning>(.*?)</reasoning>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ReasoningTag();

    [GeneratedRegex(@"<answer>(.*?)</answer>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex AnswerTag();

    [GeneratedRegex(@"(?im)^\s*answer\s*:\s*\[?([a-z_]+)\]?\s*$")]
    private static partial Regex AnswerLine();
}
