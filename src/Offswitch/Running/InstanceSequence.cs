using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>
/// Runs a trial's agent loop once, or once per instance when the environment is an
/// <see cref="IMultiInstanceEnvironment"/>; the result joins the instances' messages and usage, and carries the last
/// instance's stop reason.
/// </summary>
internal static class InstanceSequence
{
    public static async Task<AgentRunResult> RunAsync(AgentLoop loop, TrialSetup setup, AgentLimits limits, CancellationToken cancellationToken = default)
    {
        var result = await loop.RunAsync(setup, limits, cancellationToken);
        if (setup.Environment is not IMultiInstanceEnvironment multi)
        {
            return result;
        }

        var last = result.Messages;
        while (result.StopReason is not (AgentStopReason.Cancelled or AgentStopReason.Error)
            && await multi.NextInstanceAsync(result.StopReason, last, cancellationToken) is { } opening)
        {
            var instance = new TrialSetup
            {
                Messages = opening,
                Tools = setup.Tools,
                ContinueMessage = setup.ContinueMessage,
                Sandbox = setup.Sandbox,
                Environment = setup.Environment,
                Limits = setup.Limits,
            };
            var next = await loop.RunAsync(instance, limits, cancellationToken);
            last = next.Messages;
            result = next with { Messages = [.. result.Messages, .. next.Messages], Usage = result.Usage + next.Usage };
        }

        return result;
    }
}
