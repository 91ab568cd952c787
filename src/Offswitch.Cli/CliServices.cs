using Microsoft.Extensions.DependencyInjection;
using Offswitch.Cli.Services;
using Offswitch.Scenarios;

namespace Offswitch.Cli;

/// <summary>
/// The CLI's composition root: the one place that names the concrete services commands are built with. Spectre adds the
/// commands and their settings itself (see <see cref="Infrastructure.TypeRegistrar"/>).
/// </summary>
internal static class CliServices
{
    /// <summary>Every service a command may take as a constructor parameter.</summary>
    public static IServiceCollection AddOffswitchCli(this IServiceCollection services)
    {
        services.AddOffswitchScenarios();
        services.AddSingleton<ModelSetup>();
        services.AddSingleton<StoreOpener>();
        services.AddSingleton<SandboxFactory>();
        services.AddSingleton<ReportService>();
        return services;
    }

    /// <summary>The built-in scenarios as <see cref="IScenario"/>s, in presentation order, and the <see cref="ScenarioCatalog"/> over them.</summary>
    public static IServiceCollection AddOffswitchScenarios(this IServiceCollection services)
    {
        foreach (var scenario in ScenarioCatalog.CreateBuiltIn())
        {
            services.AddSingleton<IScenario>(scenario);
        }

        services.AddSingleton<ScenarioCatalog>();
        return services;
    }
}
