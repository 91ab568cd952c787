using LLama.Native;
using Offswitch.Cli;

// llama.cpp logs every model load and graph reservation to the console; keep its errors (on stderr) and drop the rest
// unless OFFSWITCH_LLAMA_LOG=1. This must be set before the native library loads.
var verbose = Environment.GetEnvironmentVariable("OFFSWITCH_LLAMA_LOG") == "1";
NativeLibraryConfig.All.WithLogCallback((level, message) =>
{
    if (verbose || level == LLamaLogLevel.Error)
    {
        Console.Error.Write($"llama.cpp: {message}");
    }
});

return await CliApp.RunAsync(args);
