using System.CommandLine;

namespace Segnn.Cli;

/// <summary>Runs the command tree and turns expected failures into one clear line and a non-zero exit code.</summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            // System.CommandLine's own handler would print a stack trace for these; the catch below gives one line instead.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidDataException or IOException
                                       or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            Console.Error.WriteLine($"segnn: error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("segnn: cancelled");
            return 130;
        }
    }
}
