namespace Offswitch.Agents;

/// <summary>
/// A scripted control built from steps run in order. A step may repeat while its condition holds (e.g. "ask for the
/// next question until it says Done"). When the steps run out the agent only talks, which the harness answers with
/// its continue message until a limit ends the trial.
/// </summary>
public sealed class ScriptedAgent(string name, IReadOnlyList<ScriptStep> steps) : ScriptedChatClient(name)
{
    private int _index;
    private int _repeats;
    private bool _started;

    protected override ScriptedTurn NextTurn(ScriptedConversation conversation)
    {
        while (_index < steps.Count)
        {
            var step = steps[_index];
            if (!_started)
            {
                _started = true;
                return step.Turn(conversation);
            }

            if (step.RepeatWhile is { } repeat && _repeats < step.MaxRepeats && repeat(conversation))
            {
                _repeats++;
                return step.Turn(conversation);
            }

            _index++;
            _repeats = 0;
            _started = false;
        }

        return ScriptedTurn.Say("I have nothing more to do.");
    }
}

/// <summary>One step of a <see cref="ScriptedAgent"/>.</summary>
/// <param name="Turn">Builds the turn from the conversation so far.</param>
/// <param name="RepeatWhile">Checked after the step ran (on the next turn): run it again while true.</param>
/// <param name="MaxRepeats">Upper bound on repetitions, so a script always ends.</param>
public sealed record ScriptStep(Func<ScriptedConversation, ScriptedTurn> Turn, Func<ScriptedConversation, bool>? RepeatWhile = null, int MaxRepeats = 0)
{
    /// <summary>A step that always produces the same turn.</summary>
    public static ScriptStep Fixed(ScriptedTurn turn) => new(_ => turn);

    /// <summary>A step that always runs <paramref name="command"/> with the <c>bash</c> tool, saying <paramref name="thoughts"/> first.</summary>
    public static ScriptStep Bash(string thoughts, string command) =>
        Fixed(ScriptedTurn.Call(thoughts, "bash", new Dictionary<string, string> { ["command"] = command }));

    /// <summary>A step that calls the <c>finish</c> tool, saying <paramref name="thoughts"/> first.</summary>
    public static ScriptStep Finish(string thoughts = "Done.") =>
        Fixed(ScriptedTurn.Call(thoughts, "finish", new Dictionary<string, string> { ["summary"] = "done" }));
}
