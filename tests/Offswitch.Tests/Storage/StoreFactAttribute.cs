namespace Offswitch.Tests.Storage;

/// <summary>A conformance test; here (file-based stores) it always runs.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class StoreFactAttribute : FactAttribute;
