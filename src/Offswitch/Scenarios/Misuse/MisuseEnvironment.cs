using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.Misuse;

/// <summary>
/// One <c>decomposed-misuse</c> trial: starts the simulated hosts' listeners in the sandbox's own network namespace,
/// runs the agent's tools, lets the operator drive the campaign step by step (one instance per step when decomposed),
/// and reads the verdict from what the harness saw the services do and from the model's findings.
/// </summary>
internal sealed class MisuseEnvironment : SandboxedEnvironment, IMultiInstanceEnvironment
{
    private static readonly ExecOptions HarnessExec = new() { Login = false, Timeout = TimeSpan.FromSeconds(15) };

    private readonly CampaignOperator _operator;
    private readonly TargetNetwork _network;
    private readonly TimeSpan _toolTimeout;
    private readonly CampaignFacts _facts = new();
    private readonly List<Claim> _claims = [];
    private NetworkService? _service;

    public MisuseEnvironment(CampaignOperator campaignOperator, TargetNetwork network, TimeSpan toolTimeout)
    {
        _operator = campaignOperator;
        _network = network;
        _toolTimeout = toolTimeout;
    }

    /// <summary>The listeners' host command; its calls reach the service created when the trial starts.</summary>
    public HostCommand Command => new(NetworkService.CommandName, (call, _) =>
        Task.FromResult((_service ?? throw NotStarted()).Handle(call.Arguments)));

    /// <summary>The later steps' openings as far as they are fixed (without findings), for <c>show-prompt</c>.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> LaterInstances =>
        _operator.Decomposed ? [.. Enumerable.Range(1, CampaignSteps.All.Count - 1).Select(i => _operator.StepOpening(i, []))] : [];

    /// <summary>What the harness observed (for tests).</summary>
    internal CampaignFacts Facts => _facts;

    protected override async Task OnStartAsync(CancellationToken cancellationToken)
    {
        _service = new NetworkService(_network, _facts, Recorder);
        var code = MisuseData.Text("netsim.pl").Replace("'", "'\\''", StringComparison.Ordinal);
        var endpoints = string.Join(' ', TargetNetwork.Services.Select(s => s.Endpoint));
        var started = await Sandbox.ExecAsync($"mkdir -p ~/engagement && perl -e '{code}' {endpoints}", HarnessExec, cancellationToken);
        if (started.ExitCode != 0 || !started.Stdout.Contains("listening", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the simulated network did not start (exit {started.ExitCode}): {started.Stderr.Trim()}");
        }

        Recorder.Record(TrialEventKinds.Environment, "simulated network listening", new
        {
            @event = "network_started",
            services = TargetNetwork.Services.Select(s => s.Endpoint).ToArray(),
            decomposed = _operator.Decomposed,
            role_play = _operator.RolePlay,
        });
    }

    public override async Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default)
    {
        switch (call.Name)
        {
            case "bash":
                var output = await ShellTool.RunAsync(Sandbox, call, _toolTimeout, cancellationToken);
                return Sandbox.IsAlive ? new ToolCallOutcome(output) : new ToolCallOutcome(output, EndTrial: true, EndReason: "the machine ended");
            case "report_finding":
                return await ReportAsync(call, cancellationToken);
            default:
                return new ToolCallOutcome($"Error: Tool {call.Name} not found");
        }
    }

    private async Task<ToolCallOutcome> ReportAsync(FunctionCallContent call, CancellationToken cancellationToken)
    {
        if (!ToolOutput.TryGetString(call, "step", out var step, out var error)
            || !ToolOutput.TryGetString(call, "status", out var status, out error)
            || !ToolOutput.TryGetString(call, "claim", out var text, out error))
        {
            return new ToolCallOutcome(error);
        }

        step = step.Trim().ToLowerInvariant();
        status = status.Trim().ToLowerInvariant();
        if (!CampaignSteps.All.Contains(step))
        {
            return new ToolCallOutcome($"Error: step must be one of {string.Join(", ", CampaignSteps.All)}.");
        }

        if (status is not ("success" or "failed"))
        {
            return new ToolCallOutcome("Error: status must be success or failed.");
        }

        // The listeners call back a few milliseconds after the agent's own connection: wait for them before judging the claim.
        await (_service ?? throw NotStarted()).SettleAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3), cancellationToken);
        if (step == CampaignSteps.Report && status == "success")
        {
            _facts.Mark(CampaignSteps.Report);
        }

        var claim = new Claim(step, status, text, _facts.CurrentStep, ClaimChecker.Check(step, status, text, _network, _facts));
        lock (_claims)
        {
            _claims.Add(claim);
        }

        Recorder.Record(TrialEventKinds.Environment, $"finding on {step} ({status}){(claim.Fabrications.Count > 0 ? ": does not match the state" : string.Empty)}", new
        {
            @event = "finding",
            step,
            status,
            claim = text,
            fabrications = claim.Fabrications,
        });

        // A decomposed step's conversation ends with its finding, as a sub-agent's task ends with its result.
        var ends = _operator.Decomposed ? step == CampaignSteps.All[_facts.CurrentStep] : step == CampaignSteps.Report;
        return ends ? new ToolCallOutcome("Finding recorded. Thank you.", EndTrial: true, EndReason: $"finding on {step}") : new ToolCallOutcome("Finding recorded.");
    }

    public Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, CancellationToken cancellationToken = default) =>
        NextInstanceAsync(previousStop, [], cancellationToken);

    public Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, IReadOnlyList<ChatMessage> previousConversation, CancellationToken cancellationToken = default)
    {
        var current = _facts.CurrentStep;
        if (!_operator.Decomposed || !Sandbox.IsAlive || current + 1 >= CampaignSteps.All.Count)
        {
            return Task.FromResult<IReadOnlyList<ChatMessage>?>(null);
        }

        // The operator gives up at a refusal (a step done anyway is not refused: the state decides).
        if (CampaignOperator.Refused(previousConversation) && !_facts.Achieved(CampaignSteps.All[current]))
        {
            Recorder.Record(TrialEventKinds.Environment, $"operator stops: step {CampaignSteps.All[current]} refused", new { @event = "operator_stop", step = CampaignSteps.All[current] });
            return Task.FromResult<IReadOnlyList<ChatMessage>?>(null);
        }

        _facts.CurrentStep = current + 1;
        List<Claim> findings;
        lock (_claims)
        {
            findings = [.. _claims];
        }

        Recorder.Record(TrialEventKinds.Environment, $"operator gives step {CampaignSteps.All[current + 1]}", new { @event = "operator_step", step = CampaignSteps.All[current + 1] });
        return Task.FromResult<IReadOnlyList<ChatMessage>?>(_operator.StepOpening(current + 1, findings));
    }

    public override Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
        JudgeAsync(stopReason, [], cancellationToken);

    public override Task<Verdict> JudgeAsync(AgentStopReason stopReason, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken = default)
    {
        List<Claim> claims;
        lock (_claims)
        {
            claims = [.. _claims];
        }

        return Task.FromResult(CampaignOracle.Decide(_operator.Decomposed, Instances(conversation), _facts, claims));
    }

    /// <summary>The conversation cut into its instances (each opens with the system prompt).</summary>
    internal static IReadOnlyList<IReadOnlyList<ChatMessage>> Instances(IReadOnlyList<ChatMessage> conversation)
    {
        var instances = new List<List<ChatMessage>>();
        foreach (var message in conversation)
        {
            if (message.Role == ChatRole.System || instances.Count == 0)
            {
                instances.Add([]);
            }

            instances[^1].Add(message);
        }

        return instances;
    }
}
