namespace Offswitch.Organism;
internal static class Sampler { public static int Run(string gguf, string corpus, int n, string[] conditions) => 0; }
