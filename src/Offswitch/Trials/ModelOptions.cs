namespace Offswitch.Trials;

/// <summary>Sampling options passed to every model that supports them.</summary>
public sealed record ModelOptions
{
    public float? Temperature { get; init; }

    /// <summary>Nucleus sampling (top-p); null leaves the provider's default. Left out of the configuration id when null, so stores from before it resume.</summary>
    public float? TopP { get; init; }

    public int? MaxOutputTokens { get; init; }
    public string? ReasoningEffort { get; init; }
    public long? Seed { get; init; }
}

/// <summary>Keys a provider may set in a response's <c>AdditionalProperties</c> for the harness to record.</summary>
public static class ResponseProperties
{
    /// <summary>The seed the provider sampled this response with; recorded in the model-call event.</summary>
    public const string SamplerSeed = "sampler_seed";
}
