using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Infrastructure;

/// <summary>
/// Lets Spectre.Console.Cli register its commands and settings in a <see cref="IServiceCollection"/> and build commands
/// from it, so commands take their services as constructor parameters. Everything is a singleton: one command runs per process.
/// </summary>
internal sealed class TypeRegistrar(IServiceCollection services) : ITypeRegistrar
{
    public void Register(Type service, Type implementation) => services.AddSingleton(service, implementation);

    public void RegisterInstance(Type service, object implementation) => services.AddSingleton(service, implementation);

    public void RegisterLazy(Type service, Func<object> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        services.AddSingleton(service, _ => factory());
    }

    public ITypeResolver Build() => new TypeResolver(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
}

/// <summary>Resolves from the built container; Spectre disposes it (and with it the services) when the command ends.</summary>
internal sealed class TypeResolver(ServiceProvider provider) : ITypeResolver, IDisposable
{
    public object? Resolve(Type? type) => type is null ? null : provider.GetService(type);

    public void Dispose() => provider.Dispose();
}
