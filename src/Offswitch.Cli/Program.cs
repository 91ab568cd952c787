using Offswitch.Cli;

return await CliApp.RunAsync(args);
