using System.CommandLine;
using Segnn.Cli.Commands;

namespace Segnn.Cli;

/// <summary>The <c>segnn</c> command tree (the tests run it in-process).</summary>
internal static class CliApp
{
    public static RootCommand Root()
    {
        var root = new RootCommand("segnn — train, export and serve steerable E(3)-equivariant graph neural networks (SEGNN)");
        root.Subcommands.Add(QuickstartCommand.Create());
        root.Subcommands.Add(O3Command.Create());
        root.Subcommands.Add(NBodyCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(TrainCommand.Eval());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(MdCommand.Create());
        root.Subcommands.Add(Qm9Command.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
