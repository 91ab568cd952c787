using Microsoft.Extensions.DependencyInjection;
using Offswitch.Cli;
using Offswitch.Cli.Infrastructure;
using Offswitch.Scenarios;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Tests.Cli;

public sealed class CliServicesTests
{
    // The presentation order of `offswitch list scenarios`.
    private static readonly string[] BuiltInScenarios =
    [
        "shutdown-resistance", "self-replication", "blackmail", "leaking", "lethal-alert", "oversight-subversion",
        "self-exfiltration", "goal-guarding", "sandbagging", "covert-reranking", "alignment-faking",
        "exfiltration-under-retraining", "notes-to-future-instances", "horizon-tasks", "model-conversation", "decomposed-misuse",
    ];

    /// <summary>Records what Spectre registers while it builds the command tree, and registers it in the CLI's services.</summary>
    private sealed class RecordingRegistrar(IServiceCollection services) : ITypeRegistrar
    {
        private readonly TypeRegistrar _inner = new(services);

        public List<Type> Registered { get; } = [];

        public void Register(Type service, Type implementation)
        {
            Registered.Add(implementation);
            _inner.Register(service, implementation);
        }

        public void RegisterInstance(Type service, object implementation) => _inner.RegisterInstance(service, implementation);

        public void RegisterLazy(Type service, Func<object> factory) => _inner.RegisterLazy(service, factory);

        public ITypeResolver Build() => _inner.Build();
    }

    [Fact]
    public void Container_BuildsEveryCommandOfTheCommandTree()
    {
        var services = new ServiceCollection().AddOffswitchCli();
        var registrar = new RecordingRegistrar(services);
        var silent = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });

        // Spectre registers the tree's commands when it runs; --version runs no command of ours.
        var exit = CliApp.Create(registrar, config => config.ConfigureConsole(silent)).Run(["--version"]);

        Assert.Equal(0, exit);
        var commands = registrar.Registered.Where(t => typeof(ICommand).IsAssignableFrom(t) && t.Assembly == typeof(CliApp).Assembly).Distinct().ToList();
        // Every command class of the CLI is in the tree (none is left unreachable), so all of them are checked below.
        var defined = typeof(CliApp).Assembly.GetTypes().Where(t => typeof(ICommand).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.Equal(defined.Select(t => t.Name).Order(), commands.Select(t => t.Name).Order());
        using var provider = services.BuildServiceProvider();
        Assert.All(commands, type => Assert.NotNull(provider.GetRequiredService(type)));
    }

    [Fact]
    public void ScenarioCatalog_FromTheContainer_ListsTheBuiltInScenariosInPresentationOrder()
    {
        using var provider = new ServiceCollection().AddOffswitchCli().BuildServiceProvider();

        var catalog = provider.GetRequiredService<ScenarioCatalog>();

        Assert.Equal(BuiltInScenarios, catalog.All.Select(s => s.Name));
        Assert.Equal(BuiltInScenarios, ScenarioCatalog.Default.All.Select(s => s.Name));
        Assert.Equal(catalog.All, provider.GetServices<IScenario>());
        Assert.Same(catalog, provider.GetRequiredService<ScenarioCatalog>());
    }

    [Fact]
    public void Require_UnknownName_ListsTheKnownScenarios()
    {
        var catalog = new ScenarioCatalog(ScenarioCatalog.CreateBuiltIn());

        Assert.Same(catalog.All[0], catalog.Require("SHUTDOWN-resistance"));
        var error = Assert.Throws<InvalidInputException>(() => catalog.Require("no-such"));
        Assert.Equal(
            $"Unknown scenario 'no-such'. Known scenarios: {string.Join(", ", BuiltInScenarios)}. See `offswitch list scenarios`.",
            error.Message);
    }

    [Fact]
    public void Catalog_TwoScenariosWithOneName_Refused()
    {
        var scenarios = ScenarioCatalog.CreateBuiltIn();

        Assert.Throws<ArgumentException>(() => new ScenarioCatalog([.. scenarios, scenarios[0]]));
    }
}
