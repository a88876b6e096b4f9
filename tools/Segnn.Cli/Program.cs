using Segnn.Cli;

return await CliHost.RunAsync(CliApp.Root(), args);
