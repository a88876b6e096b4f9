using System.CommandLine;

namespace Segnn.Cli;

/// <summary>Runs the command tree and turns expected failures into one clear line and a non-zero exit code.</summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            return await root.Parse(args).InvokeAsync();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidDataException or IOException
                                       or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            Console.Error.WriteLine($"segnn: error: {ex.Message}");
            return 1;
        }
    }
}
