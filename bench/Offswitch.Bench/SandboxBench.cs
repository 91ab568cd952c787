using Offswitch.Sandboxes;

namespace Offswitch.Bench;

/// <summary>Sandbox start/exec latency against a bare `bash -c true` spawned from .NET in the same run.</summary>
internal static class SandboxBench
{
    public static async Task<int> RunAsync(int iterations)
    {
        BubblewrapSandboxProvider.CheckAvailable();
        var provider = new BubblewrapSandboxProvider();
        var spec = new SandboxSpec();

        var bare = await Measure.SampleAsync(iterations, Measure.BareBashAsync);
        var baseline = Measure.Median(bare);

        var startStop = await Measure.SampleAsync(iterations, async () =>
        {
            await using var sandbox = await provider.CreateAsync(spec);
        });

        await using var live = await provider.CreateAsync(spec);
        var execLogin = await Measure.SampleAsync(iterations, async () => await live.ExecAsync("true", new ExecOptions { Login = true }));
        var execPlain = await Measure.SampleAsync(iterations, async () => await live.ExecAsync("true", new ExecOptions { Login = false }));

        Console.WriteLine($"sandbox benchmark, {iterations} iterations each ({Environment.ProcessorCount} cores)");
        Console.WriteLine(Measure.Row("bare `bash -c true` from .NET (baseline)", bare, baseline));
        Console.WriteLine(Measure.Row("sandbox create + dispose", startStop, baseline));
        Console.WriteLine(Measure.Row("exec `true` (bash --login -c)", execLogin, baseline));
        Console.WriteLine(Measure.Row("exec `true` (bash -c)", execPlain, baseline));
        return 0;
    }
}
